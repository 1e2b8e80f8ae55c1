using System.Drawing;
using BenchmarkDotNet.Attributes;
using ImageKit.Decoding;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// A 256 x 256 thumbnail of a 3000 x 2000 photo-like still (gradient, shapes and noise, so the codec has real work):
/// the usual way, decode at full size and resample (the baseline, and what ImageKit's scale-down did for every format
/// until now), against ImageKit's <see cref="ImageDecodeOptions.ThumbnailPixelSize"/>, which has JPEG and WebP decoded
/// straight at about the thumbnail's size, and against a <c>ResizeTransformer</c> to the same box, which gets the same reduced
/// decoding. PNG has no reduced decoding: it shows the fallback costs nothing extra.
/// </summary>
[MemoryDiagnoser]
public class ThumbnailBenchmarks
{
    private const int Width = 3000;
    private const int Height = 2000;
    private static readonly Size s_box = new(256, 256);
    private static readonly SKSamplingOptions s_mitchell = new(SKCubicResampler.Mitchell);
    private static readonly ImageKit.Transforming.ResizeTransformer s_resize = new(s_box);
    private byte[] _data = [];

    [Params("jpeg", "webp", "png")]
    public string Format { get; set; } = "jpeg";

    [GlobalSetup]
    public void Setup() => _data = SyntheticPhoto.Encode(Width, Height, Format switch
    {
        "jpeg" => SKEncodedImageFormat.Jpeg,
        "webp" => SKEncodedImageFormat.Webp,
        _ => SKEncodedImageFormat.Png,
    }, quality: 85, noise: true);

    [Benchmark(Baseline = true)]
    public unsafe int FullDecodeThenResample()
    {
        using var data = SKData.CreateCopy(_data);
        using var codec = SKCodec.Create(data);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        using var full = new SKBitmap(info);
        codec.GetPixels(info, full.GetPixels(), new SKCodecOptions(0));
        var scale = Math.Min((double)s_box.Width / info.Width, (double)s_box.Height / info.Height);
        using var thumbnail = new SKBitmap(new SKImageInfo((int)(info.Width * scale), (int)(info.Height * scale), SKColorType.Bgra8888, SKAlphaType.Premul));
        full.ScalePixels(thumbnail, s_mitchell);
        return ((byte*)thumbnail.GetPixels())[0];
    }

    [Benchmark]
    public int ImageKitResizeTransformer()
    {
        using var image = AnimatedImage.Decode(_data, new ImageDecodeOptions { Transformers = [s_resize] });
        using var frame = image.GetFrame(0);
        return frame.Pixels[0];
    }

    [Benchmark]
    public int ImageKitThumbnail()
    {
        using var image = AnimatedImage.Decode(_data, new ImageDecodeOptions { ThumbnailPixelSize = s_box });
        using var frame = image.GetFrame(0);
        return frame.Pixels[0];
    }
}
