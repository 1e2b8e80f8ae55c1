using System.Security.Cryptography;
using System.Text.Json;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using SkiaSharp;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Every composited frame of the corpus against frames made once by independent decoders (ImageMagick, libwebp's
/// anim_dump, Pillow; see Fixtures/reference/README.md). Compared in premultiplied RGBA, where fully transparent pixels
/// are equal whatever colour they carry. Lossless formats agree to within 2 per channel (the references blend
/// semi-transparent pixels in straight alpha, ImageKit in premultiplied alpha, so the last bit can round differently);
/// lossy ones within a small tolerance (different builds of the same codec libraries).
/// </summary>
/// <remarks>
/// Two documented differences on off-spec ("lenient") files: where ImageKit shows an invalid animation as its still
/// default image, only that first frame is compared; where Skia grows the canvas to fit a frame that lies outside it
/// (as Chromium does) and the reference clipped it, the reference's area is compared.
/// </remarks>
[TestClass]
public sealed class ReferenceFrameTests
{
    private const int LosslessMaxDifference = 2;
    private const double LosslessMeanDifference = 0.5;
    private const double LossyMeanDifference = 1.5;
    private const int LossyMaxDifference = 48;

    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };
    private static readonly Lazy<Dictionary<string, ReferenceEntry>> s_index = new(LoadIndex);

    public static IEnumerable<object[]> FilesWithReferences => s_index.Value.Keys.Order(StringComparer.Ordinal).Select(f => new object[] { f });

    [TestMethod]
    [DynamicData(nameof(FilesWithReferences))]
    public void GetFrame_EveryFrame_MatchesTheIndependentDecoder(string file)
    {
        var reference = s_index.Value[file];
        var lenient = Corpus.Get(file).ExpectedOutcome == "lenient";
        // The references are as stored (see Fixtures/reference/README.md); ExifOrientationTests covers turning them upright.
        using var image = AnimatedImage.Decode(Corpus.Read(file), new ImageDecodeOptions { SourceName = file, Orientation = ExifOrientationPolicy.Ignore });
        var framesToCompare = image.FrameCount;
        if (lenient && image.FrameCount == 1 && reference.Frames > 1)
        {
            framesToCompare = 1; // shown as the still default image
        }
        else
        {
            Assert.AreEqual(reference.Frames, image.FrameCount, "frame count");
        }

        for (var i = 0; i < framesToCompare; i++)
        {
            using var frame = image.GetFrame(i);
            var path = Path.Combine(Corpus.ReferenceDirectory, file, $"frame-{i:D4}.png");
            var (expected, width, height) = ReadReferencePremultiplied(path);
            if (!lenient)
            {
                Assert.AreEqual((width, height), (frame.Width, frame.Height), "canvas size");
            }

            var actual = Crop(ToRgbaPremultiplied(frame), frame.Width, frame.Height, width, height);
            expected = Crop(expected, width, height, frame.Width, frame.Height);
            var (max, mean, worst) = Compare(expected, actual);
            var columns = Math.Min(width, frame.Width);
            var where = $"{file} frame {i} ({reference.Tool}): max difference {max} at pixel ({worst / 4 % columns}, {worst / 4 / columns}), mean {mean:0.000}";
            Assert.IsLessThanOrEqualTo(reference.Lossy ? LossyMeanDifference : LosslessMeanDifference, mean, where);
            Assert.IsLessThanOrEqualTo(reference.Lossy ? LossyMaxDifference : LosslessMaxDifference, max, where);
        }
    }

    // sample_big.gif (259 frames of 1000 x 175, every one disposed and drawn over the last) has no reference frames: they
    // would take 71 MB. Fixtures/frame-hashes holds the SHA-256 of each frame ImageMagick composites instead (straight
    // RGBA, fully transparent pixels as 0,0,0,0; Pillow's frames are identical). A GIF's pixels are exact, so the hashes
    // must match exactly.
    [TestMethod]
    public void GetFrame_SampleBigGif_EveryFrameEqualsTheIndependentDecoderExactly()
    {
        const string file = "sample_big.gif";
        var expected = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "frame-hashes", file + ".sha256"));
        using var image = AnimatedImage.Decode(Corpus.Read(file), new ImageDecodeOptions { SourceName = file });
        Assert.HasCount(image.FrameCount, expected, "frame count");
        for (var i = 0; i < image.FrameCount; i++)
        {
            using var frame = image.GetFrame(i);
            var rgba = frame.ToRgba();
            for (var p = 3; p < rgba.Length; p += 4)
            {
                if (rgba[p] == 0)
                {
                    rgba.AsSpan(p - 3, 3).Clear();
                }
            }

            Assert.AreEqual(expected[i], Convert.ToHexStringLower(SHA256.HashData(rgba)), $"{file} frame {i}");
        }
    }

    private static (int Max, double Mean, int WorstOffset) Compare(byte[] expected, byte[] actual)
    {
        Assert.HasCount(expected.Length, actual, "pixel buffer size");
        int max = 0, worst = 0;
        long sum = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = Math.Abs(expected[i] - actual[i]);
            sum += d;
            if (d > max)
            {
                max = d;
                worst = i;
            }
        }

        return (max, (double)sum / expected.Length, worst);
    }

    internal static unsafe byte[] ToRgbaPremultiplied(ImageFrame frame)
    {
        var rgba = new byte[frame.ByteCount];
        fixed (byte* src = frame.Pixels)
        fixed (byte* dst = rgba)
        {
            using var pixmap = new SKPixmap(new SKImageInfo(frame.Width, frame.Height, SKColorType.Bgra8888, SKAlphaType.Premul), (IntPtr)src, frame.RowBytes);
            Assert.IsTrue(pixmap.ReadPixels(new SKImageInfo(frame.Width, frame.Height, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)dst, frame.Width * 4));
        }

        return rgba;
    }

    // The top-left width x height of an image (the whole image when it is no larger).
    private static byte[] Crop(byte[] rgba, int imageWidth, int imageHeight, int width, int height)
    {
        width = Math.Min(width, imageWidth);
        height = Math.Min(height, imageHeight);
        if (width == imageWidth && height == imageHeight)
        {
            return rgba;
        }

        var cropped = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
        {
            rgba.AsSpan(y * imageWidth * 4, width * 4).CopyTo(cropped.AsSpan(y * width * 4));
        }

        return cropped;
    }

    internal static unsafe (byte[] Rgba, int Width, int Height) ReadReferencePremultiplied(string path)
    {
        using var codec = SKCodec.Create(path) ?? throw new AssertFailedException($"cannot read {path}");
        var width = codec.Info.Width;
        var height = codec.Info.Height;

        // The reference PNG is straight alpha; let Skia premultiply it exactly as the decoder premultiplies.
        var rgba = new byte[width * height * 4];
        fixed (byte* dst = rgba)
        {
            var result = codec.GetPixels(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)dst);
            Assert.AreEqual(SKCodecResult.Success, result, path);
        }

        return (rgba, width, height);
    }

    private static Dictionary<string, ReferenceEntry> LoadIndex()
    {
        using var stream = File.OpenRead(Path.Combine(Corpus.ReferenceDirectory, "index.json"));
        return JsonSerializer.Deserialize<Dictionary<string, ReferenceEntry>>(stream, s_json)
            ?? throw new InvalidDataException("reference index.json is empty");
    }

    private sealed record ReferenceEntry(int Frames, string Tool, bool Lossy);
}
