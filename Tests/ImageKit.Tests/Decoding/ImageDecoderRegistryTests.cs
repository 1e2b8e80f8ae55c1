using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

[TestClass]
public sealed class ImageDecoderRegistryTests
{
    [TestMethod]
    public void Decode_CustomDecoderInFront_WinsOverBuiltIns()
    {
        var registry = ImageDecoderRegistry.CreateDefault();
        var custom = new SolidColorDecoder();
        registry.Insert(0, custom);

        using var image = registry.Decode(Corpus.Read("any-disposal.gif"));

        Assert.AreEqual(1, custom.Calls);
        Assert.AreEqual(3, image.PixelWidth);
        using var frame = image.GetFrame(0);
        Assert.AreEqual(0x7F, frame.Pixels[0]);
        Assert.IsTrue(registry.Remove(custom));
        Assert.IsFalse(registry.Remove(custom));
    }

    [TestMethod]
    public void Decode_NoDecoderAccepts_ThrowsUnsupportedFormatNamingTheFormat()
    {
        var registry = new ImageDecoderRegistry([]);
        var error = Assert.Throws<UnsupportedImageFormatException>(() => registry.Decode(Corpus.Read("any-disposal.gif")));
        Assert.AreEqual(ImageFormat.Gif, error.DetectedFormat);
        StringAssert.Contains(error.Message, "Gif");
    }

    [TestMethod]
    public void Decode_UnknownBytes_ThrowsUnsupportedFormatWithSourceName()
    {
        var error = Assert.Throws<UnsupportedImageFormatException>(
            () => AnimatedImage.Decode("{\"error\":\"not found\"}"u8, new ImageDecodeOptions { SourceName = "https://example.test/a.gif" }));
        Assert.AreEqual("https://example.test/a.gif", error.SourceName);
        StringAssert.Contains(error.Message, "JSON");
    }

    [TestMethod]
    public void Decode_SourceThrowsOnLimits_SourceIsDisposed()
    {
        var registry = new ImageDecoderRegistry([new SolidColorDecoder { Width = 100_000, Height = 100_000 }]);
        var decoder = (SolidColorDecoder)registry.Decoders[0];
        Assert.Throws<ImageLimitExceededException>(() => registry.Decode(Corpus.Read("any-disposal.gif")));
        Assert.IsTrue(decoder.LastSource!.Disposed, "the image takes ownership of the source even when it refuses it");
    }

    private sealed class SolidColorDecoder : IImageDecoder
    {
        public int Calls { get; private set; }

        public int Width { get; init; } = 3;

        public int Height { get; init; } = 2;

        public SolidSource? LastSource { get; private set; }

        public bool CanDecode(ImageFormat format, ReadOnlySpan<byte> data) => format == ImageFormat.Gif;

        public AnimatedImageSource CreateSource(ReadOnlyMemory<byte> data, ImageDecodeOptions options)
        {
            Calls++;
            return LastSource = new SolidSource(Width, Height);
        }
    }

    private sealed class SolidSource(int width, int height) : AnimatedImageSource
    {
        public bool Disposed { get; private set; }

        public override ImageFormat Format => ImageFormat.Gif;

        public override int PixelWidth => width;

        public override int PixelHeight => height;

        public override int FrameCount => 1;

        public override int LoopCount => 1;

        public override bool HasAlpha => false;

        public override TimeSpan GetFrameDuration(int index) => TimeSpan.Zero;

        public override int GetRequiredFrame(int index) => -1;

        public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes) => canvas.Fill(0x7F);

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
