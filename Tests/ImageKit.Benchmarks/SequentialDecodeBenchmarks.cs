using BenchmarkDotNet.Attributes;
using ImageKit.Decoding;
using ImageMagick;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// Full-frame sequential decode of a whole 480x360 animation (60 frames): ImageKit's <see cref="AnimatedImage.GetFrame"/>
/// in order, against the raw SkiaSharp loop it is built on (the baseline: one codec, one bitmap, each frame decoded onto
/// the previous one) and against Magick.NET (read + coalesce). Frames/s = 60 / mean.
/// </summary>
[MemoryDiagnoser]
public class SequentialDecodeBenchmarks
{
    private byte[] _data = [];

    [Params("gif", "webp")]
    public string Format { get; set; } = "gif";

    [GlobalSetup]
    public void Setup() => _data = BenchmarkInputs.Read(Format);

    [Benchmark(Baseline = true)]
    public unsafe int RawSkiaCodecLoop()
    {
        using var data = SKData.CreateCopy(_data);
        using var codec = SKCodec.Create(data);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        var frames = codec.FrameInfo;
        var checksum = 0;
        for (var i = 0; i < frames.Length; i++)
        {
            // The bitmap holds frame i - 1; Skia needs it only when it is the frame's required frame.
            var prior = frames[i].RequiredFrame == i - 1 ? i - 1 : -1;
            codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(i, prior));
            checksum += ((byte*)bitmap.GetPixels())[i];
        }

        return checksum;
    }

    [Benchmark]
    public int ImageKitGetFrameInOrder()
    {
        using var image = AnimatedImage.Decode(_data);
        var checksum = 0;
        for (var i = 0; i < image.FrameCount; i++)
        {
            using var frame = image.GetFrame(i);
            checksum += frame.Pixels[i];
        }

        return checksum;
    }

    [Benchmark]
    public int MagickNetCoalesce()
    {
        using var images = new MagickImageCollection(_data);
        images.Coalesce();
        var checksum = 0;
        foreach (var image in images)
        {
            using var pixels = image.GetPixelsUnsafe();
            checksum += (int)pixels.GetArea(0, 0, 1, 1)![0];
        }

        return checksum;
    }
}
