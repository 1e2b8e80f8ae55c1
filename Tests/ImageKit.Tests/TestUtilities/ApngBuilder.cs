using System.Buffers.Binary;
using System.IO.Hashing;
using SkiaSharp;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// Writes small APNG files for tests: each frame's pixels (straight RGBA) are encoded as a PNG by Skia and its image data
/// moved into IDAT or fdAT chunks behind an fcTL with the region, delay and operations given.
/// </summary>
internal sealed class ApngBuilder(int width, int height)
{
    private readonly List<(Frame Frame, byte[] Data)> _frames = [];

    /// <summary>Whether the IDAT image is frame 0 (an fcTL before it) rather than a hidden default image.</summary>
    public bool DefaultImageIsFirstFrame { get; init; } = true;

    /// <summary>acTL num_plays.</summary>
    public uint Plays { get; init; }

    /// <summary>The hidden default image's pixels when <see cref="DefaultImageIsFirstFrame"/> is false (canvas size).</summary>
    public byte[]? DefaultImage { get; init; }

    /// <summary>Overrides acTL num_frames (else the number of frames added).</summary>
    public uint? DeclaredFrames { get; init; }

    public ApngBuilder Add(Frame frame, byte[] rgba)
    {
        _frames.Add((frame, rgba));
        return this;
    }

    public ApngBuilder Add(Frame frame, uint rgba) =>
        Add(frame, Solid(frame.Width, frame.Height, rgba));

    /// <summary>A region of one colour given as 0xRRGGBBAA.</summary>
    public static byte[] Solid(int width, int height, uint rgba)
    {
        var pixels = new byte[width * height * 4];
        for (var i = 0; i < pixels.Length; i += 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(pixels.AsSpan(i), rgba);
        }

        return pixels;
    }

    public byte[] Build()
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 6;
        WriteChunk(output, "IHDR", header);
        var actl = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(actl, DeclaredFrames ?? (uint)_frames.Count);
        BinaryPrimitives.WriteUInt32BigEndian(actl.AsSpan(4), Plays);
        WriteChunk(output, "acTL", actl);
        var sequence = 0u;
        if (!DefaultImageIsFirstFrame)
        {
            WriteChunk(output, "IDAT", ImageData(width, height, DefaultImage ?? Solid(width, height, 0xFF00FFFF)));
        }

        for (var i = 0; i < _frames.Count; i++)
        {
            var (frame, rgba) = _frames[i];
            var fctl = new byte[26];
            BinaryPrimitives.WriteUInt32BigEndian(fctl, sequence++);
            BinaryPrimitives.WriteInt32BigEndian(fctl.AsSpan(4), frame.Width);
            BinaryPrimitives.WriteInt32BigEndian(fctl.AsSpan(8), frame.Height);
            BinaryPrimitives.WriteInt32BigEndian(fctl.AsSpan(12), frame.X);
            BinaryPrimitives.WriteInt32BigEndian(fctl.AsSpan(16), frame.Y);
            BinaryPrimitives.WriteUInt16BigEndian(fctl.AsSpan(20), frame.DelayNumerator);
            BinaryPrimitives.WriteUInt16BigEndian(fctl.AsSpan(22), frame.DelayDenominator);
            fctl[24] = frame.Dispose;
            fctl[25] = frame.Blend;
            WriteChunk(output, "fcTL", fctl);
            var data = ImageData(frame.Width, frame.Height, rgba);
            if (i == 0 && DefaultImageIsFirstFrame)
            {
                WriteChunk(output, "IDAT", data);
            }
            else
            {
                var fdat = new byte[data.Length + 4];
                BinaryPrimitives.WriteUInt32BigEndian(fdat, sequence++);
                data.CopyTo(fdat, 4);
                WriteChunk(output, "fdAT", fdat);
            }
        }

        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    // The zlib stream of a Skia-encoded RGBA PNG of these pixels (its IDAT payloads joined).
    private static byte[] ImageData(int width, int height, byte[] rgba)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var png = encoded.ToArray();
        if (png[25] != 6)
        {
            throw new InvalidOperationException($"Skia wrote colour type {png[25]}, not RGBA");
        }

        using var idat = new MemoryStream();
        for (var offset = 8; offset < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            if (png.AsSpan(offset + 4, 4).SequenceEqual("IDAT"u8))
            {
                idat.Write(png, offset + 8, length);
            }

            offset += 12 + length;
        }

        return idat.ToArray();
    }

    private static void WriteChunk(Stream output, string type, byte[] payload)
    {
        var buffer = new byte[payload.Length + 12];
        BinaryPrimitives.WriteInt32BigEndian(buffer, payload.Length);
        System.Text.Encoding.ASCII.GetBytes(type, buffer.AsSpan(4));
        payload.CopyTo(buffer, 8);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8 + payload.Length), Crc32.HashToUInt32(buffer.AsSpan(4, 4 + payload.Length)));
        output.Write(buffer);
    }

    /// <summary>One fcTL: region, delay, dispose_op (0 none, 1 background, 2 previous), blend_op (0 source, 1 over).</summary>
    internal readonly record struct Frame(
        int X, int Y, int Width, int Height, byte Dispose = 0, byte Blend = 0, ushort DelayNumerator = 1, ushort DelayDenominator = 10);
}
