namespace ImageKit.Decoding;

/// <summary>
/// Which stills are turned upright by their EXIF orientation (the tag cameras and phones write instead of rotating the
/// pixels). An upright image reports its displayed size: a portrait photo stored 4032 x 3024 with orientation 6 is
/// 3024 x 4032. Animations are always shown as stored.
/// </summary>
public enum ExifOrientationPolicy
{
    /// <summary>
    /// JPEG's orientation is applied; WebP's EXIF chunk and PNG's <c>eXIf</c> chunk are not. This is how browsers show
    /// images (CSS <c>image-orientation: from-image</c>, the default since 2020), and what SDWebImage, Nuke and
    /// Kingfisher do for JPEG. The default.
    /// </summary>
    Browser = 0,

    /// <summary>The orientation of JPEG, WebP and PNG stills is applied (as Skia's own image decoding does).</summary>
    AllFormats,

    /// <summary>Never applied: pixels as stored.</summary>
    Ignore,
}
