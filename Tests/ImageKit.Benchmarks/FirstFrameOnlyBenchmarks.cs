using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using ImageKit.Decoding;
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
    public void Setup() => _data = Format == "gif" ? Gif(Frames) : WebP(Frames);

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

    // Frames of one palette pixel, each with a graphic control extension (10 ms), none transparent (so that nothing
    // stops a walk for transparency early).
    private static byte[] Gif(int frames)
    {
        var stream = new MemoryStream();
        stream.Write("GIF89a"u8);
        stream.Write([1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
        for (var i = 0; i < frames; i++)
        {
            stream.Write([0x21, 0xF9, 4, 0, 10, 0, 0, 0]);
            stream.Write([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0]);
        }

        stream.WriteByte(0x3B);
        return stream.ToArray();
    }

    // Frames of one red lossless pixel (10 ms each, blended, not disposed) on a 1×1 canvas that loops forever.
    private static byte[] WebP(int frames)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(1, 1, SKColorType.Bgra8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Red);
        using var pixmap = bitmap.PeekPixels();
        using var encoded = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))
            ?? throw new InvalidOperationException("Skia could not encode a WebP");
        var still = encoded.ToArray();
        var size = BinaryPrimitives.ReadInt32LittleEndian(still.AsSpan(16));
        var vp8l = still[12..(12 + 8 + size + (size & 1))];
        var payload = 16 + vp8l.Length;
        var anmf = new byte[8 + payload + (payload & 1)];
        "ANMF"u8.CopyTo(anmf);
        BinaryPrimitives.WriteUInt32LittleEndian(anmf.AsSpan(4), (uint)payload);
        anmf[8 + 12] = 10;
        vp8l.CopyTo(anmf, 8 + 16);
        byte[] head = [.. "VP8X"u8, 10, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, .. "ANIM"u8, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var data = new byte[12 + head.Length + ((long)anmf.Length * frames)];
        "RIFF"u8.CopyTo(data);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), (uint)(data.Length - 8));
        "WEBP"u8.CopyTo(data.AsSpan(8));
        head.CopyTo(data, 12);
        for (var i = 0; i < frames; i++)
        {
            anmf.CopyTo(data, 12 + head.Length + (i * anmf.Length));
        }

        return data;
    }
}
