using SkiaSharp;

namespace ImageKit.Decoding.Skia;

/// <summary>Turns what Skia says about a frame decode into ImageKit's error, in the same words for every decoder built on it.</summary>
internal static class SkiaCodecResults
{
    /// <exception cref="ImageDecodingException">The result is anything but success.</exception>
    public static void ThrowUnlessSuccess(SKCodecResult result)
    {
        switch (result)
        {
            case SKCodecResult.Success:
                return;
            case SKCodecResult.IncompleteInput:
                throw new ImageDecodingException("the data ends before the frame is complete (truncated file)");
            case SKCodecResult.ErrorInInput:
            case SKCodecResult.InvalidInput:
                throw new ImageDecodingException("the frame's data is corrupt");
            default:
                throw new ImageDecodingException($"Skia could not decode the frame ({result})");
        }
    }
}
