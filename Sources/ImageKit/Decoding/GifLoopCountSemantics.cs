namespace ImageKit.Decoding;

/// <summary>
/// How the GIF NETSCAPE2.0 loop field turns into <see cref="AnimatedImage.LoopCount"/> (plays in total; 0 = forever).
/// A GIF without the extension plays once either way, and a field of 0 loops forever either way.
/// </summary>
public enum GifLoopCountSemantics
{
    /// <summary>The field counts repeats after the first play, so a field of n plays n + 1 times (Chrome, Firefox, Skia, ImageMagick). The default.</summary>
    Browser = 0,

    /// <summary>The field counts plays in total, so a field of n plays n times (Apple ImageIO, SDWebImage).</summary>
    ImageIO,
}
