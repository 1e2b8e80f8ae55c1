namespace ImageKit.Decoding.ImageIO.Interop;

/// <summary>
/// Every native call the ImageIO decoder makes, each a few CoreFoundation, ImageIO and CoreGraphics functions that
/// release whatever they create for themselves before returning. What they return (a <c>CGImageSourceRef</c>, a
/// <c>CGImageRef</c>) the caller owns and gives to <see cref="Release"/> exactly once. The decoder talks to nothing
/// else, so tests on any OS run it against a fake that counts what is created and released;
/// <see cref="ImageIONative"/> calls the real frameworks.
/// </summary>
internal interface IImageIO
{
    /// <summary>
    /// <c>CFDataCreate</c> (a copy of <paramref name="data"/>), then <c>CGImageSourceCreateWithData</c>, then the data is
    /// released (the source keeps its own reference). <see cref="IntPtr.Zero"/> when either fails.
    /// </summary>
    IntPtr CreateSource(ReadOnlySpan<byte> data);

    /// <summary><c>CGImageSourceGetStatus</c> (0 = <c>kCGImageStatusComplete</c>; negative values are errors).</summary>
    int GetStatus(IntPtr source);

    /// <summary><c>CGImageSourceGetCount</c>: the images in the container.</summary>
    long GetCount(IntPtr source);

    /// <summary>
    /// <c>CGImageSourceCopyPropertiesAtIndex</c>, read and released: the stored size, the orientation (1 when absent) and
    /// whether the image has alpha. <see langword="false"/> when there are no properties or no size.
    /// </summary>
    bool TryGetProperties(IntPtr source, int index, out ImageIOProperties properties);

    /// <summary>
    /// <c>CGImageSourceCreateThumbnailAtIndex</c> with "from the image always", "with transform" (the orientation applied)
    /// and a largest side of <paramref name="maxPixelSize"/>: the image upright, decoded. <see cref="IntPtr.Zero"/> when
    /// it fails.
    /// </summary>
    IntPtr CreateUprightImage(IntPtr source, int index, int maxPixelSize);

    /// <summary>
    /// Draws <paramref name="image"/> scaled to <paramref name="width"/> × <paramref name="height"/> into
    /// <paramref name="pixels"/> (BGRA, premultiplied, sRGB; cleared before) through a <c>CGBitmapContext</c> over them,
    /// released before returning. <see langword="false"/> when the context cannot be made.
    /// </summary>
    bool Draw(IntPtr image, IntPtr pixels, int width, int height, int rowBytes);

    /// <summary><c>CFRelease</c>.</summary>
    void Release(IntPtr cfObject);
}

/// <summary>What <see cref="IImageIO.TryGetProperties"/> reads.</summary>
internal readonly record struct ImageIOProperties(int Width, int Height, int Orientation, bool HasAlpha);
