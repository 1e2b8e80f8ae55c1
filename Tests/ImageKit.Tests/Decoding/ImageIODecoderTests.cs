using ImageKit.Decoding;
using ImageKit.Decoding.ImageIO;
using ImageKit.Decoding.ImageIO.Interop;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// HEIF and AVIF: recognised everywhere, decoded on macOS by ImageIO. Off macOS the decoder runs against a fake ImageIO,
/// which checks its contract: the size comes from the headers (upright), the pixels from ImageIO's drawing, and every
/// native object is released exactly once on every path, failures included.
/// </summary>
[TestClass]
public sealed class ImageIODecoderTests
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "isomedia", name));

    [TestMethod]
    [DataRow("small.heic", ImageFormat.Heif)]
    [DataRow("small.avif", ImageFormat.Avif)]
    public void Detect_FilesMadeByLibheifAndLibavif_AreHeifAndAvif(string file, ImageFormat expected) =>
        Assert.AreEqual(expected, ImageFormatDetector.Detect(Fixture(file)));

    [TestMethod]
    [DataRow("mif1", "heic", ImageFormat.Heif)]
    [DataRow("mif1", "avif", ImageFormat.Avif)]
    [DataRow("msf1", "avis", ImageFormat.Avif)]
    [DataRow("mif1", "", ImageFormat.Heif)]
    [DataRow("heix", "", ImageFormat.Heif)]
    [DataRow("hevc", "", ImageFormat.Heif)]
    [DataRow("avis", "", ImageFormat.Avif)]
    [DataRow("mp42", "isom", ImageFormat.Unknown)]
    [DataRow("qt  ", "", ImageFormat.Unknown)]
    public void Detect_IsoMediaBrands_NameTheImageFormatsAndNothingElse(string major, string compatible, ImageFormat expected)
    {
        var box = new List<byte>();
        var size = 16 + compatible.Length;
        box.AddRange([0, 0, 0, (byte)size]);
        box.AddRange("ftyp"u8.ToArray());
        box.AddRange(System.Text.Encoding.ASCII.GetBytes(major));
        box.AddRange([0, 0, 0, 0]);
        box.AddRange(System.Text.Encoding.ASCII.GetBytes(compatible));
        box.AddRange([0, 0, 0, 8, .. "mdat"u8.ToArray()]); // what follows the box is not a brand

        Assert.AreEqual(expected, ImageFormatDetector.Detect([.. box]));
    }

    [TestMethod]
    [DataRow("small.heic", "HEIF")]
    [DataRow("small.avif", "AVIF")]
    public void Decode_OffMacOS_RefusesWithAMessageThatSaysWhatItNeeds(string file, string name)
    {
        if (OperatingSystem.IsMacOS())
        {
            Assert.Inconclusive("ImageIO decodes these on macOS");
        }

        var e = Assert.ThrowsExactly<UnsupportedImageFormatException>(() => AnimatedImage.Decode(Fixture(file)));

        Assert.AreEqual($"{name} images are decoded only on macOS, by ImageIO (ImageIODecoder)", e.Message);
        Assert.AreEqual(name == "HEIF" ? ImageFormat.Heif : ImageFormat.Avif, e.DetectedFormat);
        Assert.IsFalse(new ImageIODecoder().IsAvailable);
        Assert.IsFalse(ImageDecoderRegistry.CreateDefault().Decoders.OfType<ImageIODecoder>().Any(), "the default registry has it on macOS only");
    }

    [TestMethod]
    public void Decode_HeifThroughImageIO_IsUprightWithImageIOsPixelsAndReleasesEverything()
    {
        var imageIO = new FakeImageIO { Properties = new ImageIOProperties(12, 8, Orientation: 6, HasAlpha: false) };
        var registry = new ImageDecoderRegistry([new ImageIODecoder(imageIO)]);

        using (var image = registry.Decode(Fixture("small.heic")))
        {
            Assert.AreEqual(ImageFormat.Heif, image.Format);
            Assert.AreEqual((8, 12), (image.PixelWidth, image.PixelHeight), "orientation 6 turns the stored 12 x 8 a quarter");
            Assert.AreEqual(6, image.AppliedExifOrientation);
            Assert.IsFalse(image.HasAlpha);
            Assert.AreEqual(1, image.FrameCount);
            Assert.AreEqual(0, imageIO.Live, "reading the headers left nothing open");

            using var frame = image.GetFrame(0);
            CollectionAssert.AreEqual(Enumerable.Repeat(imageIO.Colour, 8 * 12).SelectMany(c => c).ToArray(), frame.Pixels.ToArray());
            Assert.AreEqual(12, imageIO.LastMaxPixelSize, "decoded at full size");
        }

        Assert.AreEqual(0, imageIO.Live);
        CollectionAssert.AreEqual(Array.Empty<string>(), imageIO.Errors.ToArray());
    }

    [TestMethod]
    [DataRow("source", "ImageIO could not read the HEIF data")]
    [DataRow("status", "ImageIO could not read the HEIF headers (status -1: the data is damaged, truncated or of a kind this Mac cannot decode)")]
    [DataRow("properties", "ImageIO could not read the HEIF headers (status 0: the data is damaged, truncated or of a kind this Mac cannot decode)")]
    public void Decode_ImageIOFailsOnTheHeaders_ThrowsImageDecodingExceptionAndReleasesEverything(string failure, string message)
    {
        var imageIO = new FakeImageIO
        {
            FailCreateSource = failure == "source",
            Status = failure == "status" ? -1 : 0,
            Properties = failure == "properties" ? null : new ImageIOProperties(12, 8, 1, true),
        };
        var registry = new ImageDecoderRegistry([new ImageIODecoder(imageIO)]);

        var e = Assert.ThrowsExactly<ImageDecodingException>(() => registry.Decode(Fixture("small.heic"), new ImageDecodeOptions { SourceName = "photo.heic" }));

        Assert.AreEqual(message, e.Message);
        Assert.AreEqual("photo.heic", e.SourceName);
        Assert.AreEqual(0, imageIO.Live);
        CollectionAssert.AreEqual(Array.Empty<string>(), imageIO.Errors.ToArray());
    }

    [TestMethod]
    public void Decode_LargerThanTheLimits_ThrowsImageLimitExceededExceptionAndReleasesEverything()
    {
        var imageIO = new FakeImageIO { Properties = new ImageIOProperties(4032, 3024, 1, false) };
        var registry = new ImageDecoderRegistry([new ImageIODecoder(imageIO)]);

        Assert.ThrowsExactly<ImageLimitExceededException>(() => registry.Decode(Fixture("small.heic"), new ImageDecodeOptions { Limits = new DecodingLimits { MaxPixelsPerFrame = 1_000_000 } }));

        Assert.AreEqual(0, imageIO.Live);
        CollectionAssert.AreEqual(Array.Empty<string>(), imageIO.Errors.ToArray());
    }

    [TestMethod]
    [DataRow("image", "ImageIO could not decode the HEIF image (the data is damaged or truncated)")]
    [DataRow("draw", "CoreGraphics could not draw the decoded image into the frame")]
    public void GetFrame_ImageIOFailsOnThePixels_ThrowsImageDecodingExceptionAndReleasesEverything(string failure, string message)
    {
        var imageIO = new FakeImageIO();
        using var image = new ImageDecoderRegistry([new ImageIODecoder(imageIO)]).Decode(Fixture("small.heic"));
        imageIO.FailCreateImage = failure == "image";
        imageIO.FailDraw = failure == "draw";

        var e = Assert.ThrowsExactly<ImageDecodingException>(() => image.GetFrame(0));

        StringAssert.Contains(e.Message, message);
        Assert.AreEqual(0, imageIO.Live);
        CollectionAssert.AreEqual(Array.Empty<string>(), imageIO.Errors.ToArray());
    }

    [TestMethod]
    public void Decode_Thumbnail_HasImageIODecodeStraightAtTheSizeItNeeds()
    {
        var imageIO = new FakeImageIO { Properties = new ImageIOProperties(4032, 3024, Orientation: 6, HasAlpha: false) };
        var registry = new ImageDecoderRegistry([new ImageIODecoder(imageIO)]);

        using (var image = registry.Decode(Fixture("small.heic"), new ImageDecodeOptions { ThumbnailPixelSize = new System.Drawing.Size(256, 256) }))
        {
            Assert.AreEqual((192, 256), (image.PixelWidth, image.PixelHeight), "3024 x 4032 upright, fitted in 256 x 256");
            using var frame = image.GetFrame(0);
            Assert.AreEqual(256, imageIO.LastMaxPixelSize, "ImageIO was asked for the thumbnail's size, not for 4032 pixels");
            Assert.AreEqual(imageIO.Colour[0], frame.Pixels[0]);
        }

        Assert.AreEqual(0, imageIO.Live);
        CollectionAssert.AreEqual(Array.Empty<string>(), imageIO.Errors.ToArray());
    }

    [TestMethod]
    public void CanDecode_OtherFormatsOrNoImageIO_AnswersNo()
    {
        var decoder = new ImageIODecoder(new FakeImageIO());
        Assert.IsTrue(decoder.CanDecode(ImageFormat.Heif, []));
        Assert.IsTrue(decoder.CanDecode(ImageFormat.Avif, []));
        Assert.IsFalse(decoder.CanDecode(ImageFormat.Png, []));
        Assert.IsFalse(decoder.CanDecode(ImageFormat.Unknown, []));
        Assert.IsFalse(new ImageIODecoder(imageIO: null).CanDecode(ImageFormat.Heif, []));
    }
}
