using BenchmarkDotNet.Attributes;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// The first frame of an animation of many tiny frames (1×1, as small as a frame gets, so the container's walk is
/// everything): Skia given the whole file (its GIF codec parses every frame to count them, WebP's demuxer indexes every
/// frame and Skia then looks each one up from the start of that index) against ImageKit's
/// <see cref="ImageDecodeOptions.FirstFrameOnly"/>, which hands Skia an excerpt that ends with the first frame after one
/// walk of the container's headers.
/// </summary>
[MemoryDiagnoser]
public class FirstFrameOnlyBenchmarks
{
    private static readonly ImageDecodeOptions s_firstFrameOnly = new() { FirstFrameOnly = true };
    private byte[] _data = [];

    [Params("gif", "webp")]
    public string Format { get; set; } = "gif";

    [Params(10_000, 40_000)]
    public int Frames { get; set; } = 10_000;

    [GlobalSetup]
    public void Setup() => _data = Format == "gif" ? TinyFrameAnimations.Gif(Frames) : TinyFrameAnimations.WebP(Frames);

    [Benchmark(Baseline = true)]
    public unsafe int SkiaWholeFile()
    {
        using var data = SKData.CreateCopy(_data);
        using var codec = SKCodec.Create(data);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(0));
        return codec.FrameCount + ((byte*)bitmap.GetPixels())[0];
    }

    [Benchmark]
    public int ImageKitFirstFrameOnly()
    {
        using var image = AnimatedImage.Decode(_data, s_firstFrameOnly);
        using var frame = image.GetFrame(0);
        return frame.Pixels[0];
    }

}
