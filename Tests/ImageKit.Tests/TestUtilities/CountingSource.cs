using ImageKit.Decoding;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// A one-colour animation that counts how often it is released, to check ownership rules. Every frame stands alone unless
/// <paramref name="requiredFrame"/> says otherwise.
/// </summary>
internal sealed class CountingSource(int frameCount = 2, int width = 8, int height = 8, Func<int, int>? requiredFrame = null) : AnimatedImageSource
{
    private int _disposals;

    public int Disposals => Volatile.Read(ref _disposals);

    public override ImageFormat Format => ImageFormat.Gif;

    public override int PixelWidth => width;

    public override int PixelHeight => height;

    public override int FrameCount => frameCount;

    public override int LoopCount => 0;

    public override bool HasAlpha => false;

    public static (AnimatedImage Image, CountingSource Source) Create(int frameCount = 2, int width = 8, int height = 8)
    {
        var source = new CountingSource(frameCount, width, height);
        return (new AnimatedImage(source, ReadOnlyMemory<byte>.Empty), source);
    }

    public override TimeSpan GetFrameDuration(int index) => TimeSpan.FromMilliseconds(100);

    public override int GetRequiredFrame(int index) => requiredFrame?.Invoke(index) ?? -1;

    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes) => canvas.Fill((byte)(index + 1));

    protected override void Dispose(bool disposing)
    {
        Interlocked.Increment(ref _disposals);
        base.Dispose(disposing);
    }
}
