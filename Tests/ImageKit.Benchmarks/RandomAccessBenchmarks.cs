using BenchmarkDotNet.Attributes;
using ImageKit.Decoding;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// Random access: frame N of a freshly opened image, with no earlier frame cached. ImageKit decodes forward from the
/// nearest independent frame; raw Skia without a prior frame does the same walk internally.
/// </summary>
[MemoryDiagnoser]
public class RandomAccessBenchmarks
{
    private byte[] _data = [];

    [Params("gif", "webp")]
    public string Format { get; set; } = "gif";

    [Params(1, 30, 59)]
    public int Frame { get; set; }

    [GlobalSetup]
    public void Setup() => _data = BenchmarkInputs.Read(Format);

    [Benchmark(Baseline = true)]
    public unsafe byte RawSkiaCodecNoPriorFrame()
    {
        using var data = SKData.CreateCopy(_data);
        using var codec = SKCodec.Create(data);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(Frame));
        return ((byte*)bitmap.GetPixels())[Frame];
    }

    [Benchmark]
    public byte ImageKitGetFrame()
    {
        using var image = AnimatedImage.Decode(_data);
        using var frame = image.GetFrame(Frame);
        return frame.Pixels[Frame];
    }
}
