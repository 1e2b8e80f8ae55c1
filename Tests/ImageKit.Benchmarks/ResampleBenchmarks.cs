using BenchmarkDotNet.Attributes;
using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// Shrinking decoded pixels, as scale-down, thumbnails and <c>ResizeTransformer</c> do: Skia's <c>ScalePixels</c> with a
/// Mitchell cubic (what ImageKit used until 2026-12-02; four taps a side, so detail folds back as moiré), Skia with
/// trilinear mipmaps (what browsers do when shrinking), and ImageKit's <see cref="Resampler"/> (a Mitchell filter
/// stretched by the reduction). Sizes: the PNG thumbnail case (3000 x 2000 to 256 x 171), the JPEG thumbnail case
/// (libjpeg-turbo's 1/8 decode, 375 x 250, to 256 x 171) and a 2x enlargement.
/// </summary>
[MemoryDiagnoser]
public class ResampleBenchmarks
{
    private static readonly SKSamplingOptions s_mitchell = new(SKCubicResampler.Mitchell);
    private static readonly SKSamplingOptions s_mipmaps = new(SKFilterMode.Linear, SKMipmapMode.Linear);
    private SKBitmap _source = null!;
    private SKBitmap _target = null!;

    [Params("3000x2000>256x171", "375x250>256x171", "400x300>800x600")]
    public string Case { get; set; } = "3000x2000>256x171";

    [GlobalSetup]
    public void Setup()
    {
        var sizes = Case.Split('>').Select(s => s.Split('x').Select(int.Parse).ToArray()).ToArray();
        var photo = SyntheticPhoto.Encode(sizes[0][0], sizes[0][1], SKEncodedImageFormat.Png, quality: 100, noise: true);
        _source = SKBitmap.Decode(photo).Copy(SKColorType.Bgra8888);
        _target = new SKBitmap(new SKImageInfo(sizes[1][0], sizes[1][1], SKColorType.Bgra8888, SKAlphaType.Premul));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _source.Dispose();
        _target.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool SkiaMitchell() => _source.ScalePixels(_target, s_mitchell);

    [Benchmark]
    public bool SkiaMipmaps() => _source.ScalePixels(_target, s_mipmaps);

    [Benchmark]
    public int ImageKitResampler()
    {
        Resampler.Resize(_source.GetPixelSpan(), _source.Width, _source.Height, _source.RowBytes, _target.GetPixelSpan(), _target.Width, _target.Height, _target.RowBytes);
        return _target.GetPixelSpan()[0];
    }
}
