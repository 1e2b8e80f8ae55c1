using System.Drawing;
using System.Globalization;
using ImageKit.Decoding.Internal;
using ImageKit.Transforming.Internal;

namespace ImageKit.Transforming;

/// <summary>
/// Resizes to a box (<see cref="ResizeMode.Fit"/> inside it, <see cref="ResizeMode.Fill"/> it and cut the overflow, or
/// <see cref="ResizeMode.Stretch"/> to it), up or down, resampled with a Mitchell filter. Key: <c>resize(WxH,Mode)</c>.
/// </summary>
/// <remarks>
/// First in a list of transformers, on a JPEG or WebP still, it has the image decoded straight at about the size it needs
/// (never at full size first), as <see cref="ImageLoadOptions.ThumbnailPixelSize"/> does: no thumbnail box is needed to
/// show large photos small and fast.
/// </remarks>
public sealed class ResizeTransformer : ImageTransformer
{
    /// <summary>Creates a transformer that resizes to <paramref name="size"/> as <paramref name="mode"/> says.</summary>
    /// <param name="size">The box, in pixels; both sides positive.</param>
    /// <param name="mode">How the image fits the box. <value>Default: <see cref="ResizeMode.Fit"/>.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">A side of <paramref name="size"/> is not positive, or <paramref name="mode"/> is not a defined value.</exception>
    public ResizeTransformer(Size size, ResizeMode mode = ResizeMode.Fit)
    {
        if (size.Width <= 0 || size.Height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The resize box needs a positive width and height.");
        }

        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a ResizeMode value.");
        }

        Size = size;
        Mode = mode;
        Key = string.Create(CultureInfo.InvariantCulture, $"resize({size.Width}x{size.Height},{mode})");
    }

    /// <summary>The box.</summary>
    public Size Size { get; }

    /// <summary>How the image fits the box.</summary>
    public ResizeMode Mode { get; }

    /// <inheritdoc/>
    public override string Key { get; }

    internal override bool WritesEveryPixel => true;

    internal override bool KeepsOpaque => true;

    /// <inheritdoc/>
    public override Size GetOutputSize(Size inputSize)
    {
        if (Mode != ResizeMode.Fit)
        {
            return Size;
        }

        // The side whose ratio is smaller binds exactly; the other is rounded to the nearest pixel (at least one).
        var (w, h) = ((long)inputSize.Width, (long)inputSize.Height);
        return Size.Width * h <= Size.Height * w
            ? new Size(Size.Width, (int)Math.Clamp(((h * Size.Width) + (w / 2)) / w, 1, Size.Height))
            : new Size((int)Math.Clamp(((w * Size.Height) + (h / 2)) / h, 1, Size.Width), Size.Height);
    }

    /// <summary>
    /// The smallest input, aspect ratio kept, that this resize still makes its full-quality output from: what a still can
    /// be decoded at instead of its full size (JPEG in eighths, WebP to any size).
    /// </summary>
    internal Size SmallestUsefulInput(Size inputSize)
    {
        var output = GetOutputSize(inputSize);
        var scale = Math.Max((double)output.Width / inputSize.Width, (double)output.Height / inputSize.Height);
        return scale >= 1
            ? inputSize
            : new Size(
                (int)Math.Clamp(Math.Ceiling(inputSize.Width * scale), 1, inputSize.Width),
                (int)Math.Clamp(Math.Ceiling(inputSize.Height * scale), 1, inputSize.Height));
    }

    /// <inheritdoc/>
    public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
    {
        SkiaPixels.CheckBuffers(input, inputSize, output, outputSize);
        var kept = Mode == ResizeMode.Fill ? FillSubset(inputSize, outputSize) : new Rectangle(Point.Empty, inputSize);
        Resampler.Resize(
            input.Slice(((kept.Top * inputSize.Width) + kept.Left) * 4), kept.Width, kept.Height, inputSize.Width * 4,
            output, outputSize.Width, outputSize.Height, outputSize.Width * 4);
    }

    // The centred part of the input with the output's aspect ratio: what stays once the overflow is cut.
    private static Rectangle FillSubset(Size input, Size output)
    {
        var (w, h) = ((long)input.Width, (long)input.Height);
        if (output.Width * h >= output.Height * w)
        {
            var cropHeight = (int)Math.Clamp(((w * output.Height) + (output.Width / 2)) / output.Width, 1, h);
            return new Rectangle(0, (input.Height - cropHeight) / 2, input.Width, cropHeight);
        }

        var cropWidth = (int)Math.Clamp(((h * output.Width) + (output.Height / 2)) / output.Height, 1, w);
        return new Rectangle((input.Width - cropWidth) / 2, 0, cropWidth, input.Height);
    }
}
