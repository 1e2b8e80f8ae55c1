using System.Drawing;
using System.Globalization;
using ImageKit.Transforming.Internal;

namespace ImageKit.Transforming;

/// <summary>
/// Cuts a rectangle out of the image (the part of it inside the image, when it reaches past an edge). An image the
/// rectangle misses entirely fails with <see cref="ImageTransformException"/>. Key: <c>crop(X,Y,WxH)</c>.
/// </summary>
public sealed class CropTransformer : ImageTransformer
{
    /// <summary>Creates a transformer that keeps <paramref name="rectangle"/> of the image.</summary>
    /// <param name="rectangle">The part to keep, in pixels from the image's top-left corner; width and height positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The rectangle's width or height is not positive, or its right or bottom edge lies beyond <see cref="int.MaxValue"/>.
    /// </exception>
    public CropTransformer(Rectangle rectangle)
    {
        if (rectangle.Width <= 0 || rectangle.Height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rectangle), rectangle, "The crop rectangle needs a positive width and height.");
        }

        if ((long)rectangle.X + rectangle.Width > int.MaxValue || (long)rectangle.Y + rectangle.Height > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(rectangle), rectangle, "The crop rectangle's right and bottom edges must be within int.MaxValue.");
        }

        Rectangle = rectangle;
        Key = string.Create(CultureInfo.InvariantCulture, $"crop({rectangle.X},{rectangle.Y},{rectangle.Width}x{rectangle.Height})");
    }

    /// <summary>The part of the image kept.</summary>
    public Rectangle Rectangle { get; }

    /// <inheritdoc/>
    public override string Key { get; }

    internal override bool WritesEveryPixel => true;

    internal override bool KeepsOpaque => true;

    /// <inheritdoc/>
    public override Size GetOutputSize(Size inputSize) => Kept(inputSize).Size;

    /// <inheritdoc/>
    public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
    {
        SkiaPixels.CheckBuffers(input, inputSize, output, outputSize);
        var kept = Kept(inputSize);
        if (kept.Size != outputSize)
        {
            throw new ArgumentException($"The output is {outputSize.Width}x{outputSize.Height}, not the {kept.Width}x{kept.Height} this crop makes of a {inputSize.Width}x{inputSize.Height} image.", nameof(outputSize));
        }

        var rowBytes = kept.Width * 4;
        for (var y = 0; y < kept.Height; y++)
        {
            input.Slice((((kept.Top + y) * inputSize.Width) + kept.Left) * 4, rowBytes).CopyTo(output.Slice(y * rowBytes, rowBytes));
        }
    }

    private Rectangle Kept(Size inputSize)
    {
        var kept = Rectangle.Intersect(Rectangle, new Rectangle(Point.Empty, inputSize));
        return kept.Width > 0 && kept.Height > 0
            ? kept
            : throw new ImageTransformException(Key, string.Create(CultureInfo.InvariantCulture, $"the crop rectangle {Rectangle.X},{Rectangle.Y} {Rectangle.Width}x{Rectangle.Height} lies outside the {inputSize.Width}x{inputSize.Height} image"));
    }
}
