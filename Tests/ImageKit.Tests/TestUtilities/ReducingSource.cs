using ImageKit.Decoding;

namespace ImageKit.Tests.TestUtilities;

/// <summary>A 4000 x 3000 blue still that says it can decode at <c>reducedSize</c>.</summary>
internal sealed class ReducingSource((int Width, int Height)? reducedSize) : AnimatedImageSource
{
    public const uint Blue = 0xFF0000FF; // BGRA in memory: B=FF, G=0, R=0, A=FF

    public (int Width, int Height)? AskedFor { get; private set; }

    public List<(int Width, int Height)> Rendered { get; } = [];

    public int FullRenders { get; private set; }

    public override ImageFormat Format => ImageFormat.Jpeg;

    public override int PixelWidth => 4000;

    public override int PixelHeight => 3000;

    public override int FrameCount => 1;

    public override int LoopCount => 1;

    public override bool HasAlpha => false;

    public override TimeSpan GetFrameDuration(int index) => TimeSpan.Zero;

    public override int GetRequiredFrame(int index) => -1;

    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        FullRenders++;
        Fill(canvas, PixelWidth, PixelHeight, rowBytes);
    }

    internal override (int Width, int Height)? ReducedDecodeSize(int width, int height)
    {
        AskedFor = (width, height);
        return reducedSize;
    }

    internal override void RenderReduced(int width, int height, Span<byte> canvas, int rowBytes)
    {
        Rendered.Add((width, height));
        Fill(canvas, width, height, rowBytes);
    }

    private static void Fill(Span<byte> canvas, int width, int height, int rowBytes)
    {
        for (var y = 0; y < height; y++)
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(canvas.Slice(y * rowBytes, width * 4)).Fill(Blue);
        }
    }
}
