using ImageKit.Decoding;

namespace ImageKit.Views;

/// <summary>
/// How the pixels of an <see cref="ImageFrame"/> are described to Core Graphics (<c>CGImageCreate</c>) so a
/// <c>CGImage</c> can read them in place, without a copy.
/// </summary>
/// <remarks>
/// Frames are 32-bit BGRA with premultiplied alpha. In Core Graphics terms that is 8 bits per component, 32 bits per
/// pixel, alpha premultiplied and first (<c>kCGImageAlphaPremultipliedFirst</c> = 2) in a 32-bit little-endian word
/// (<c>kCGBitmapByteOrder32Little</c> = 0x2000): the word ARGB stored little-endian is B, G, R, A in memory. Pair it with
/// the sRGB colour space, which is what the decoders produce.
/// </remarks>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
/// <param name="BytesPerRow">The bytes from one row to the next.</param>
public readonly record struct FrameBitmapLayout(int Width, int Height, int BytesPerRow)
{
    /// <summary><c>kCGImageAlphaPremultipliedFirst</c>: alpha is premultiplied and stored in the most significant byte.</summary>
    public const uint AlphaPremultipliedFirst = 2;

    /// <summary><c>kCGBitmapByteOrder32Little</c>: each 32-bit pixel is stored little-endian.</summary>
    public const uint ByteOrder32Little = 2u << 12;

    /// <summary>Bits in one colour or alpha component: 8.</summary>
    public const int BitsPerComponent = 8;

    /// <summary>Bits in one pixel: 32.</summary>
    public const int BitsPerPixel = 32;

    /// <summary>The <c>CGBitmapInfo</c> value: <see cref="AlphaPremultipliedFirst"/> | <see cref="ByteOrder32Little"/> = 0x2002.</summary>
    public const uint BitmapInfo = AlphaPremultipliedFirst | ByteOrder32Little;

    /// <summary>The bytes the pixels span: <see cref="BytesPerRow"/> × <see cref="Height"/>.</summary>
    public long ByteCount => (long)BytesPerRow * Height;

    /// <summary>The layout of <paramref name="frame"/>'s pixels. Reading the size of a disposed lease is allowed.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="frame"/> is <see langword="null"/>.</exception>
    public static FrameBitmapLayout For(ImageFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return new FrameBitmapLayout(frame.Width, frame.Height, frame.RowBytes);
    }
}
