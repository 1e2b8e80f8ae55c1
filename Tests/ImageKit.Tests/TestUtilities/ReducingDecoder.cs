using ImageKit.Decoding;

namespace ImageKit.Tests.TestUtilities;

/// <summary>A decoder of <see cref="ReducingSource"/>s, whatever the data: for tests of reduced-size decoding.</summary>
internal sealed class ReducingDecoder : IImageDecoder
{
    public (int Width, int Height)? ReducedSize { get; init; }

    public ReducingSource? Source { get; private set; }

    public bool CanDecode(ImageFormat format, ReadOnlySpan<byte> data) => true;

    public AnimatedImageSource CreateSource(ReadOnlyMemory<byte> data, ImageDecodeOptions options) => Source = new ReducingSource(ReducedSize);
}
