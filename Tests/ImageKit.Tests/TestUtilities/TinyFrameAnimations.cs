using System.Buffers.Binary;
using SkiaSharp;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// Animations of many one-pixel frames, where the container's headers are nearly all the data: what tests and benchmarks
/// of frame counting and first-frame excerpts walk. Also compiled into the benchmarks project.
/// </summary>
internal static class TinyFrameAnimations
{
    /// <summary>
    /// A GIF of <paramref name="frames"/> one-pixel frames on a 1×1 canvas, each with a graphic control extension (10 ms, no
    /// transparency) and a two-colour global palette.
    /// </summary>
    public static byte[] Gif(int frames)
    {
        var stream = new MemoryStream();
        stream.Write("GIF89a"u8);
        stream.Write([1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
        for (var i = 0; i < frames; i++)
        {
            stream.Write([0x21, 0xF9, 4, 0, 10, 0, 0, 0]);
            stream.Write([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0]); // LZW: clear, index 1, end
        }

        stream.WriteByte(0x3B);
        return stream.ToArray();
    }

    /// <summary>
    /// An animated WebP of <paramref name="frames"/> 1×1 frames, each the same opaque red lossless (VP8L) image encoded by
    /// Skia, 10 ms each, blended and not disposed, on a canvas that loops forever.
    /// </summary>
    public static byte[] WebP(int frames)
    {
        var vp8l = OneRedPixelVp8LChunk();
        var anmfPayload = 16 + vp8l.Length;
        var anmf = new byte[8 + anmfPayload + (anmfPayload & 1)];
        "ANMF"u8.CopyTo(anmf);
        BinaryPrimitives.WriteUInt32LittleEndian(anmf.AsSpan(4), (uint)anmfPayload);
        anmf[8 + 12] = 10; // offsets 0, width - 1 and height - 1 = 0, duration 10 ms, flags 0 (blend, no dispose)
        vp8l.CopyTo(anmf, 8 + 16);

        byte[] head =
        [
            .. "VP8X"u8, 10, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, // animation flag, canvas 1x1
            .. "ANIM"u8, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, // background colour, loop forever
        ];
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

    private static byte[] OneRedPixelVp8LChunk()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(1, 1, SKColorType.Bgra8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Red);
        using var pixmap = bitmap.PeekPixels();
        using var encoded = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))
            ?? throw new InvalidOperationException("Skia could not encode a WebP");
        var webP = encoded.ToArray();
        if (!webP.AsSpan(12, 4).SequenceEqual("VP8L"u8))
        {
            throw new InvalidOperationException("Skia did not write a simple lossless WebP");
        }

        var size = BinaryPrimitives.ReadInt32LittleEndian(webP.AsSpan(16));
        return webP[12..(12 + 8 + size + (size & 1))]; // with its padding byte
    }
}
