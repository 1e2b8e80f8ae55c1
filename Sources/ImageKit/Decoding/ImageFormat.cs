namespace ImageKit.Decoding;

/// <summary>An encoded image format, as recognised from the data's magic bytes.</summary>
public enum ImageFormat
{
    /// <summary>Not recognised.</summary>
    Unknown = 0,

    /// <summary>GIF 87a or 89a, still or animated.</summary>
    Gif,

    /// <summary>WebP (RIFF/WEBP), still or animated.</summary>
    WebP,

    /// <summary>PNG without an animation control (<c>acTL</c>) chunk before the image data.</summary>
    Png,

    /// <summary>Animated PNG: a PNG with an <c>acTL</c> chunk before the first <c>IDAT</c>.</summary>
    Apng,

    /// <summary>JPEG (JFIF, EXIF or raw).</summary>
    Jpeg,

    /// <summary>Windows bitmap.</summary>
    Bmp,

    /// <summary>Windows icon.</summary>
    Ico,

    /// <summary>HEIF (an ISO media file with a HEIF brand: HEIC photos from iPhones and Macs); decoded on macOS only.</summary>
    Heif,

    /// <summary>AVIF (an ISO media file with the <c>avif</c> or <c>avis</c> brand); decoded on macOS only.</summary>
    Avif,
}
