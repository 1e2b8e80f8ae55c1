namespace ImageKit.Views;

/// <summary>
/// Where an image of a given pixel size goes inside view bounds for each <see cref="ContentMode"/>, and the matching
/// Core Animation values, so view code on any toolkit only copies numbers.
/// </summary>
/// <remarks>
/// Image sizes and bounds must be in the same units: divide pixel sizes by the backing scale factor first when the
/// bounds are in points. Empty input (a zero image or zero bounds) gives an empty rectangle at the centre of the bounds,
/// meaning "draw nothing". Every member is a pure function and thread-safe.
/// </remarks>
public static class ContentModeLayout
{
    /// <summary>Lays out an image of <paramref name="imageWidth"/> × <paramref name="imageHeight"/> in the bounds, centred.</summary>
    /// <param name="imageWidth">The image width, at least 0.</param>
    /// <param name="imageHeight">The image height, at least 0.</param>
    /// <param name="boundsWidth">The bounds width, finite and at least 0.</param>
    /// <param name="boundsHeight">The bounds height, finite and at least 0.</param>
    /// <param name="mode">How to place the image.</param>
    /// <returns>The image's rectangle in bounds coordinates; it may extend past the bounds (<see cref="ContentMode.Fill"/>, <see cref="ContentMode.Center"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A size is negative or not finite, the mode is unknown, or the laid-out image would be larger than the largest
    /// double (<see cref="ContentMode.Fill"/> with absurd bounds, such as a 1 × 2 image in 10³⁰⁸ × 1).
    /// </exception>
    public static LayoutRect Compute(int imageWidth, int imageHeight, double boundsWidth, double boundsHeight, ContentMode mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(imageWidth);
        ArgumentOutOfRangeException.ThrowIfNegative(imageHeight);
        ThrowIfNotSize(boundsWidth);
        ThrowIfNotSize(boundsHeight);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown content mode.");
        }

        if (imageWidth == 0 || imageHeight == 0 || boundsWidth == 0 || boundsHeight == 0)
        {
            return new LayoutRect(boundsWidth / 2, boundsHeight / 2, 0, 0);
        }

        double width, height;
        switch (mode)
        {
            case ContentMode.Stretch:
                return new LayoutRect(0, 0, boundsWidth, boundsHeight);
            case ContentMode.Center:
                (width, height) = (imageWidth, imageHeight);
                break;
            default:
                var scaleX = boundsWidth / imageWidth;
                var scaleY = boundsHeight / imageHeight;
                var scale = mode == ContentMode.Fit ? Math.Min(scaleX, scaleY) : Math.Max(scaleX, scaleY);

                // The axis that decides the scale gets the bounds' size exactly, with no rounding error from the product.
                width = scale == scaleX ? boundsWidth : Scaled(imageWidth, imageHeight, boundsHeight, nameof(boundsHeight));
                height = scale == scaleY ? boundsHeight : Scaled(imageHeight, imageWidth, boundsWidth, nameof(boundsWidth));
                break;
        }

        return new LayoutRect((boundsWidth - width) / 2, (boundsHeight - height) / 2, width, height);
    }

    /// <summary>
    /// The part of the image that is visible in the bounds, in unit coordinates of the image (0–1 on each axis): what
    /// Core Animation's <c>contentsRect</c> takes when the layer shows only that part with the <c>resize</c> gravity.
    /// The whole image is (0, 0, 1, 1); an empty layout gives an empty rectangle.
    /// </summary>
    /// <param name="imageWidth">The image width, at least 0.</param>
    /// <param name="imageHeight">The image height, at least 0.</param>
    /// <param name="boundsWidth">The bounds width, finite and at least 0.</param>
    /// <param name="boundsHeight">The bounds height, finite and at least 0.</param>
    /// <param name="mode">How the image is placed.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A size is negative or not finite, the mode is unknown, or the laid-out image would be larger than the largest
    /// double (see <see cref="Compute"/>).
    /// </exception>
    public static LayoutRect ComputeVisibleUnitRect(int imageWidth, int imageHeight, double boundsWidth, double boundsHeight, ContentMode mode)
    {
        var layout = Compute(imageWidth, imageHeight, boundsWidth, boundsHeight, mode);
        if (layout.IsEmpty)
        {
            return default;
        }

        var left = Math.Max(0, -layout.X) / layout.Width;
        var top = Math.Max(0, -layout.Y) / layout.Height;
        var right = Math.Min(layout.Width, boundsWidth - layout.X) / layout.Width;
        var bottom = Math.Min(layout.Height, boundsHeight - layout.Y) / layout.Height;
        return new LayoutRect(left, top, right - left, bottom - top);
    }

    /// <summary>
    /// The Core Animation <c>contentsGravity</c> value for <paramref name="mode"/>: <c>resizeAspect</c>,
    /// <c>resizeAspectFill</c>, <c>resize</c> or <c>center</c> (the string values of <c>kCAGravity…</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The mode is unknown.</exception>
    public static string ToContentsGravity(ContentMode mode) => mode switch
    {
        ContentMode.Fit => "resizeAspect",
        ContentMode.Fill => "resizeAspectFill",
        ContentMode.Stretch => "resize",
        ContentMode.Center => "center",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown content mode."),
    };

    /// <summary>
    /// <paramref name="size"/> × <paramref name="bound"/> / <paramref name="per"/>: the length of the axis that the scale
    /// does not decide. Near <see cref="double.MaxValue"/> the usual product can round past it although the exact
    /// length fits, so the product is then taken on a copy of the bound scaled down by a power of two (exact).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is larger than the largest double.</exception>
    private static double Scaled(int size, int per, double bound, string boundName)
    {
        var length = size * (bound / per);
        if (double.IsFinite(length))
        {
            return length;
        }

        const int Shift = 64;
        length = Math.ScaleB(Math.ScaleB(bound, -Shift) * size / per, Shift);
        if (!double.IsFinite(length))
        {
            throw new ArgumentOutOfRangeException(
                boundName, bound, "The image laid out in these bounds would be larger than the largest double.");
        }

        return length;
    }

    private static void ThrowIfNotSize(double value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "A size must be a finite number of at least 0.");
        }
    }
}
