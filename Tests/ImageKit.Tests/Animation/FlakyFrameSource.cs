using ImageKit.Decoding;

namespace ImageKit.Tests.Animation;

/// <summary>
/// Frames of 100 ms filled with their index; frame <c>failing</c> throws <c>failure()</c> on its first <c>failures</c>
/// renders (every render when negative), then renders. Counts the renders of the failing frame.
/// </summary>
internal sealed class FlakyFrameSource(int frameCount, int failing, int failures, Func<Exception> failure) : AnimatedImageSource
{
    private int _attempts;

    /// <summary>Times the failing frame was asked to render.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    public override ImageFormat Format => ImageFormat.Gif;

    public override int PixelWidth => 4;

    public override int PixelHeight => 4;

    public override int FrameCount => frameCount;

    public override int LoopCount => 0;

    public override bool HasAlpha => false;

    public override TimeSpan GetFrameDuration(int index) => TimeSpan.FromMilliseconds(100);

    public override int GetRequiredFrame(int index) => -1;

    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        if (index == failing && (Interlocked.Increment(ref _attempts) <= failures || failures < 0))
        {
            throw failure();
        }

        canvas.Fill((byte)index);
    }
}
