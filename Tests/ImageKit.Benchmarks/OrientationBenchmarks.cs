using BenchmarkDotNet.Attributes;
using ImageKit.Decoding;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// What turning a phone photo upright costs: a 3000 x 2000 JPEG decoded with <see cref="AnimatedImage.GetFrame"/>, the
/// same bytes tagged with EXIF orientation 1 (as stored; the baseline), 3 (half a turn), 6 (a quarter turn) and 2 (a mirror).
/// </summary>
[MemoryDiagnoser]
public class OrientationBenchmarks
{
    private byte[] _data = [];

    [Params(1, 2, 3, 6)]
    public int Orientation { get; set; } = 1;

    [GlobalSetup]
    public void Setup() => _data = WithOrientation(SyntheticPhoto.Encode(3000, 2000, SKEncodedImageFormat.Jpeg, quality: 85, noise: false), Orientation);

    [Benchmark]
    public int DecodeFirstFrame()
    {
        using var image = AnimatedImage.Decode(_data);
        using var frame = image.GetFrame(0);
        return frame.Pixels[0];
    }

    // An APP1 "Exif" segment right after SOI holding only the Orientation tag (big-endian TIFF, one IFD entry).
    private static byte[] WithOrientation(byte[] jpeg, int orientation)
    {
        byte[] tiff = [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, 0, 0, 0, 0];
        byte[] header = [.. "Exif"u8, 0, 0];
        var length = 2 + header.Length + tiff.Length;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. header, .. tiff, .. jpeg.AsSpan(2)];
    }
}

