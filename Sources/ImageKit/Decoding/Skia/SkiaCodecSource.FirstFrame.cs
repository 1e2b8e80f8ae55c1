using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Decoding.Skia;

// A first-frame-only decode of a GIF or WebP animation gives Skia only the bytes of its first frame (FirstFrameExcerpt):
// its codecs parse or index every frame of the data they are given.
internal sealed partial class SkiaCodecSource
{
    /// <summary>How many bytes the codec reads: the whole data, or a first frame's excerpt.</summary>
    internal long CodecDataBytes => _data.Size;

    // The excerpt and its open codec, with what the walk that planned it learnt of the data's alpha; none when there is no
    // excerpt (a still, damage) or the codec cannot open it, so that the whole data is read and reported on as before. The
    // caller owns both.
    private static (SKData? Excerpt, SKCodec? Codec, bool? HasAlpha) OpenFirstFrameExcerpt(ReadOnlySpan<byte> data, ImageFormat format)
    {
        if (FirstFrameExcerpt.Plan(format, data) is not { } plan)
        {
            return default;
        }

        var excerpt = SKData.Create(plan.Length) ?? throw new ImageDecodingException("Skia could not allocate memory for the encoded data");
        try
        {
            unsafe
            {
                plan.Write(data, new Span<byte>((void*)excerpt.Data, plan.Length));
            }

            if (OpenCodec(excerpt, out _) is { } codec)
            {
                return (excerpt, codec, plan.HasAlpha);
            }
        }
        catch
        {
            excerpt.Dispose();
            throw;
        }

        excerpt.Dispose();
        return default;
    }
}
