using System.Buffers.Binary;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>One image the pipeline benchmark serves: its bytes, Content-Type and whether it is animated.</summary>
internal sealed record PipelineImage(byte[] Data, string ContentType, bool Animated);

/// <summary>
/// The pipeline benchmark's 1,000 distinct images: 900 stills drawn at start-up (gradients, shapes and grain, 96–512 px,
/// a third each PNG, JPEG and lossy WebP) and 100 animated ones — 10 variants of each of 10 animated GIF/WebP fixtures
/// whose bytes differ by a comment extension (GIF) or an unknown chunk (WebP) that decoders skip.
/// </summary>
internal static class PipelineImages
{
    private const int Stills = 900;
    private const int VariantsPerAnimation = 10;

    // Animated fixtures (test corpus and CLI demo assets, see their READMEs for provenance), 5–90 KB each.
    private static readonly string[] s_animations =
    [
        "bounce.gif", "spinner.webp", "earth.webp", "dancing-banana.gif", "fire.gif", "muybridge.gif",
        "test-animated-400x281.gif", "TestImageBlendAnimated.webp", "anim.webp", "welcome2.gif",
    ];

    public static PipelineImage[] Create()
    {
        var images = new List<PipelineImage>(Stills + (s_animations.Length * VariantsPerAnimation));
        for (var i = 0; i < Stills; i++)
        {
            images.Add(DrawStill(i));
        }

        foreach (var name in s_animations)
        {
            var original = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pipeline", name));
            var gif = name.EndsWith(".gif", StringComparison.Ordinal);
            var frames = FrameCount(original);
            for (var v = 0; v < VariantsPerAnimation; v++)
            {
                var variant = gif ? WithGifComment(original, v) : WithWebPChunk(original, v);
                if (FrameCount(variant) != frames || frames < 2)
                {
                    throw new InvalidOperationException($"{name}: variant {v} does not decode like the original ({frames} frames)");
                }

                images.Add(new PipelineImage(variant, gif ? "image/gif" : "image/webp", Animated: true));
            }
        }

        // Interleave so that animated images are spread over the run rather than all at the end.
        var random = new Random(7);
        var array = images.ToArray();
        random.Shuffle(array);
        if (array.Select(i => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(i.Data))).Distinct().Count() != array.Length)
        {
            throw new InvalidOperationException("the benchmark images are not all distinct");
        }

        return array;
    }

    private static PipelineImage DrawStill(int index)
    {
        var random = new Random(1000 + index);
        // PNG is lossless and grain makes it large: smaller PNGs keep every format in the 5–100 KB range of web images.
        var (low, high) = index % 3 == 0 ? (64, 200) : (160, 560);
        var width = random.Next(low, high);
        var height = random.Next(low, high);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var shader = SKShader.CreateLinearGradient(
                new SKPoint(0, 0), new SKPoint(width, height), [RandomColor(random), RandomColor(random)], SKShaderTileMode.Clamp);
            using var background = new SKPaint { Shader = shader };
            canvas.DrawRect(0, 0, width, height, background);
            using var paint = new SKPaint { IsAntialias = true };
            for (var s = 0; s < 12; s++)
            {
                paint.Color = RandomColor(random).WithAlpha((byte)random.Next(80, 255));
                var x = random.Next(width);
                var y = random.Next(height);
                if (s % 2 == 0)
                {
                    canvas.DrawCircle(x, y, random.Next(8, Math.Min(width, height) / 2), paint);
                }
                else
                {
                    canvas.DrawRect(x, y, random.Next(8, width / 2), random.Next(8, height / 2), paint);
                }
            }
        }

        AddGrain(bitmap, random, index % 3 == 0 ? 3 : 15);
        var (format, quality, contentType) = (index % 3) switch
        {
            0 => (SKEncodedImageFormat.Png, 100, "image/png"),
            1 => (SKEncodedImageFormat.Jpeg, 82, "image/jpeg"),
            _ => (SKEncodedImageFormat.Webp, 78, "image/webp"),
        };
        using var data = bitmap.Encode(format, quality);
        return new PipelineImage(data.ToArray(), contentType, Animated: false);
    }

    // Photographs are never flat: a little noise on every pixel gives encoders something to do and realistic sizes.
    private static void AddGrain(SKBitmap bitmap, Random random, int mask)
    {
        var pixels = bitmap.GetPixelSpan();
        var noise = new byte[pixels.Length];
        random.NextBytes(noise);
        for (var i = 0; i < pixels.Length; i++)
        {
            if ((i & 3) != 3)
            {
                pixels[i] = (byte)Math.Clamp(pixels[i] + ((noise[i] & mask) - (mask / 2)), 0, 255);
            }
        }
    }

    private static SKColor RandomColor(Random random) => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));

    private static int FrameCount(byte[] data)
    {
        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData) ?? throw new InvalidOperationException("Skia cannot open a benchmark image");
        return codec.FrameCount;
    }

    // A GIF comment extension before the trailer: decoders skip comments.
    private static byte[] WithGifComment(byte[] gif, int variant)
    {
        if (gif[^1] != 0x3B)
        {
            throw new InvalidOperationException("the GIF does not end with a trailer");
        }

        byte[] comment = [0x21, 0xFE, 4, (byte)'b', (byte)'n', (byte)'c', (byte)('0' + variant), 0x00];
        return [.. gif.AsSpan(0, gif.Length - 1), .. comment, 0x3B];
    }

    // An unknown chunk at the end of the RIFF container (the RIFF size grows with it): WebP decoders ignore unknown chunks.
    private static byte[] WithWebPChunk(byte[] webp, int variant)
    {
        byte[] chunk = [(byte)'B', (byte)'N', (byte)'C', (byte)'H', 4, 0, 0, 0, (byte)variant, 0, 0, 0];
        var result = (byte[])[.. webp, .. chunk];
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(4)) + (uint)chunk.Length);
        return result;
    }
}
