using System.Drawing;
using BenchmarkDotNet.Attributes;
using ImageKit.Transforming;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// What each built-in <see cref="ImageTransformer"/> costs on one 1024 x 768 frame (a photo-like picture), beside a plain
/// copy of the frame for scale: the work a transformed image adds each time a frame is composited.
/// </summary>
[MemoryDiagnoser]
public class TransformBenchmarks
{
    private static readonly Size s_size = new(1024, 768);
    private byte[] _input = [];
    private byte[] _output = [];
    private ImageTransformer _transformer = null!;
    private Size _outputSize;

    [Params("copy", "resize(200x200,Fill)", "resize(512x384,Fit)", "crop", "round-corners(24)", "circle", "blur(8)", "grayscale")]
    public string Transform { get; set; } = "copy";

    [GlobalSetup]
    public void Setup()
    {
        using var bitmap = SKBitmap.Decode(SyntheticPhoto.Encode(s_size.Width, s_size.Height, SKEncodedImageFormat.Png, quality: 100, noise: true))
            .Copy(SKColorType.Bgra8888);
        _input = bitmap.GetPixelSpan().ToArray();
        _transformer = Transform switch
        {
            "resize(200x200,Fill)" => new ResizeTransformer(new Size(200, 200), ResizeMode.Fill),
            "resize(512x384,Fit)" => new ResizeTransformer(new Size(512, 384)),
            "crop" => new CropTransformer(new Rectangle(100, 100, 600, 400)),
            "round-corners(24)" => new RoundCornersTransformer(24),
            "circle" => new CircleTransformer(),
            "blur(8)" => new BlurTransformer(8),
            "grayscale" => new GrayscaleTransformer(),
            _ => new GrayscaleTransformer(), // unused by the copy
        };
        _outputSize = Transform == "copy" ? s_size : _transformer.GetOutputSize(s_size);
        _output = new byte[_outputSize.Width * _outputSize.Height * 4];
    }

    [Benchmark]
    public byte Run()
    {
        if (Transform == "copy")
        {
            _input.CopyTo(_output, 0);
        }
        else
        {
            Array.Clear(_output);
            _transformer.Transform(_input, s_size, _output, _outputSize);
        }

        return _output[0];
    }
}
