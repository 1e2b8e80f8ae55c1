using System.Buffers.Binary;
using System.IO.Hashing;
using ImageKit.Decoding.Skia;
using SkiaSharp;

namespace ImageKit.Decoding.Apng;

/// <summary>
/// Turns one APNG frame into a standalone PNG and decodes it with Skia, whose PNG codec shows only the default image of
/// an APNG: the signature, an IHDR with the frame's size, the chunks that describe the pixels, the frame's data as IDAT
/// chunks (fdAT payloads without their sequence numbers, CRCs recomputed), and IEND.
/// </summary>
/// <remarks>
/// Native ownership: the PNG is written straight into a native <see cref="SKData"/> (no managed copy of it exists), the
/// codec takes its own reference on that data, and both are disposed before <see cref="Decode"/> returns or throws.
/// </remarks>
internal static class ApngFramePng
{
    private const int HeaderLength = 13;

    /// <summary>The size of <paramref name="frame"/>'s standalone PNG, computed once per frame.</summary>
    public static long GetEncodedLength(ApngContainer container, ApngFrame frame)
    {
        long length = PngChunkReader.Signature.Length + HeaderLength + PngChunk.Overhead + container.FrameChunks.Length;
        foreach (var segment in frame.Segments)
        {
            if (segment.Length > 0)
            {
                length += segment.Length + PngChunk.Overhead;
            }
        }

        return length + PngChunk.Overhead;
    }

    /// <summary>
    /// Decodes <paramref name="frame"/> into <paramref name="destination"/> as premultiplied BGRA, frame size, without
    /// colour conversion (as the Skia decoder does for stills, so the default image looks the same either way).
    /// </summary>
    /// <exception cref="ImageDecodingException">The frame's data is corrupt or truncated.</exception>
    public static unsafe void Decode(
        ReadOnlySpan<byte> file, ApngContainer container, ApngFrame frame, int encodedLength, byte* destination, int rowBytes)
    {
        using var png = SKData.Create(encodedLength)
            ?? throw new ImageDecodingException("Skia could not allocate memory for the frame");
        Write(file, container, frame, png.Span);
        using var codec = SKCodec.Create(png)
            ?? throw new ImageDecodingException("the frame's data does not form a readable PNG");
        var control = frame.Control;
        var info = new SKImageInfo(control.Width, control.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        var result = codec.GetPixels(info, (IntPtr)destination, rowBytes, SKCodecOptions.Default);
        SkiaCodecResults.ThrowUnlessSuccess(result);
    }

    private static void Write(ReadOnlySpan<byte> file, ApngContainer container, ApngFrame frame, Span<byte> png)
    {
        PngChunkReader.Signature.CopyTo(png);
        var position = PngChunkReader.Signature.Length;

        var header = png.Slice(position + 8, HeaderLength);
        container.Header.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header, frame.Control.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], frame.Control.Height);
        position = CloseChunk(png, position, PngChunk.Ihdr, HeaderLength);

        container.FrameChunks.CopyTo(png[position..]);
        position += container.FrameChunks.Length;

        foreach (var segment in frame.Segments)
        {
            // An empty fdAT is legal and carries nothing; it need not become an empty IDAT.
            if (segment.Length == 0)
            {
                continue;
            }

            file.Slice(segment.Offset, segment.Length).CopyTo(png[(position + 8)..]);
            position = CloseChunk(png, position, PngChunk.Idat, segment.Length);
        }

        CloseChunk(png, position, PngChunk.Iend, 0);
    }

    // Writes the length and type in front of a payload already in place at position + 8, then the CRC after it; returns
    // where the next chunk starts. Writing the payload first lets it be copied once, straight into place.
    private static int CloseChunk(Span<byte> png, int position, uint type, int length)
    {
        BinaryPrimitives.WriteInt32BigEndian(png[position..], length);
        BinaryPrimitives.WriteUInt32BigEndian(png[(position + 4)..], type);
        var crc = Crc32.HashToUInt32(png.Slice(position + 4, 4 + length));
        BinaryPrimitives.WriteUInt32BigEndian(png[(position + 8 + length)..], crc);
        return position + PngChunk.Overhead + length;
    }
}
