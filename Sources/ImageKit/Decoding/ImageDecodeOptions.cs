using System.Drawing;
using ImageKit.Transforming;

namespace ImageKit.Decoding;

/// <summary>Options for decoding one image. Every property has a documented default; <see cref="Default"/> uses them all.</summary>
public sealed record ImageDecodeOptions
{
    /// <summary>The defaults.</summary>
    public static ImageDecodeOptions Default { get; } = new();

    /// <summary>Limits against hostile input. <value>Default: <see cref="DecodingLimits.Default"/>.</value></summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    public DecodingLimits Limits
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value), "Limits cannot be null; leave it unset for the defaults.");
    } = DecodingLimits.Default;

    /// <summary>How encoded frame durations become playback durations. <value>Default: <see cref="FrameDurationPolicy.Browser"/>.</value></summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    public FrameDurationPolicy FrameDurations
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value), "FrameDurations cannot be null; leave it unset for the defaults.");
    } = FrameDurationPolicy.Browser;

    /// <summary>How the GIF loop field is read. <value>Default: <see cref="GifLoopCountSemantics.Browser"/>.</value></summary>
    public GifLoopCountSemantics GifLoopCount { get; init; } = GifLoopCountSemantics.Browser;

    /// <summary>
    /// Which stills are turned upright by their EXIF orientation (their size then is the displayed one).
    /// <value>Default: <see cref="ExifOrientationPolicy.Browser"/> (JPEG only, as browsers).</value>
    /// </summary>
    public ExifOrientationPolicy Orientation { get; init; }

    /// <summary>
    /// Decode only the first frame: an animated image becomes a one-frame still (its <see cref="AnimatedImage.LoopCount"/>
    /// is then 1). <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool FirstFrameOnly { get; init; }

    /// <summary>
    /// Scale down: an image with more pixels than this is decoded to the largest size within it, aspect ratio kept (each
    /// frame composited at full size, then resampled). 0 keeps every image at its own size. The counterpart of
    /// SDWebImage's scale-down of large images, made explicit and per request.
    /// <value>Default: 0 (no scaling).</value>
    /// </summary>
    public long MaxPixelCount { get; init; }

    /// <summary>
    /// Thumbnail: an image wider or taller than this box is decoded to the largest size that fits in it, aspect ratio kept;
    /// a smaller image keeps its size (nothing is scaled up). A 0 side leaves that side free (<c>new Size(200, 0)</c>:
    /// at most 200 pixels wide). With <see cref="MaxPixelCount"/> too, the image fits both. Stills whose codec can decode
    /// at a reduced size (JPEG, WebP) are decoded straight at about the thumbnail's size, not at full size first, which is
    /// much faster and never holds the full-size pixels; other images are composited at full size and resampled. The
    /// counterpart of SDWebImage's thumbnail pixel size and Kingfisher's downsampling processor.
    /// <value>Default: <see cref="Size.Empty"/> (no thumbnail).</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set with a negative width or height.</exception>
    public Size ThumbnailPixelSize
    {
        get;
        init => field = CheckThumbnailPixelSize(value);
    }

    /// <summary>
    /// Transformers applied in order to every frame, after scale-down and thumbnail decoding (see <see
    /// cref="ImageTransformer"/>): the image's size is what the last one makes. The list is copied when set.
    /// <value>Default: empty (no transform).</value>
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The list holds a <see langword="null"/> transformer or one with an empty key.</exception>
    public IReadOnlyList<ImageTransformer> Transformers
    {
        get;
        init => field = CheckTransformers(value);
    } = [];

    /// <summary>
    /// What the data is, for error messages (a file path or URL). <value>Default: <see langword="null"/> (in-memory data).</value>
    /// </summary>
    public string? SourceName { get; init; }

    /// <summary>Returns <paramref name="value"/> when it is a valid thumbnail box (no negative side).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is negative.</exception>
    internal static Size CheckThumbnailPixelSize(Size value) => value.Width >= 0 && value.Height >= 0
        ? value
        : throw new ArgumentOutOfRangeException(nameof(value), value, "ThumbnailPixelSize cannot have a negative side; use 0 for a side without a limit.");

    /// <summary>Returns a copy of <paramref name="value"/> when it is a valid transformer list.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException">A transformer is null or has an empty key.</exception>
    internal static ImageTransformer[] CheckTransformers(IReadOnlyList<ImageTransformer> value)
    {
        ArgumentNullException.ThrowIfNull(value, nameof(value));
        var copy = value.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            if (copy[i] is null)
            {
                throw new ArgumentException($"Transformer {i} is null.", nameof(value));
            }

            if (string.IsNullOrEmpty(copy[i].Key))
            {
                throw new ArgumentException($"Transformer {i} ({copy[i].GetType().Name}) has an empty key; the memory cache could not tell its results apart.", nameof(value));
            }
        }

        return copy;
    }

    /// <summary>
    /// The size an image of <paramref name="width"/> x <paramref name="height"/> is decoded to under <see
    /// cref="ThumbnailPixelSize"/> and <see cref="MaxPixelCount"/>, or <see langword="null"/> when it keeps its own.
    /// </summary>
    internal (int Width, int Height)? ScaledSize(int width, int height)
    {
        // Each limit gives a size, the side it binds exactly and the other rounded down (at least one pixel). Where the
        // aspect ratio can be kept, the size with the smallest scale is within every limit and is each side's minimum over
        // the sizes; where a side had to be made one pixel, only that minimum is. Integer arithmetic, so that a 4000-wide
        // image in a 200-wide box is 200 wide, not 199.
        (int Width, int Height)? best = null;
        if (ThumbnailPixelSize.Width > 0 && width > ThumbnailPixelSize.Width)
        {
            var w = ThumbnailPixelSize.Width;
            best = Smaller(best, (w, (int)Math.Max(1, (long)height * w / width)));
        }

        if (ThumbnailPixelSize.Height > 0 && height > ThumbnailPixelSize.Height)
        {
            var h = ThumbnailPixelSize.Height;
            best = Smaller(best, ((int)Math.Max(1, (long)width * h / height), h));
        }

        var pixels = (long)width * height;
        if (MaxPixelCount > 0 && pixels > MaxPixelCount)
        {
            var scale = Math.Sqrt((double)MaxPixelCount / pixels);
            var (w, h) = (Math.Max(1, (int)Math.Floor(width * scale)), Math.Max(1, (int)Math.Floor(height * scale)));

            // A side made one pixel leaves the other no more than the limit allows.
            (w, h) = ((int)Math.Min(w, Math.Max(1, MaxPixelCount / h)), (int)Math.Min(h, Math.Max(1, MaxPixelCount / w)));
            best = Smaller(best, (w, h));
        }

        return best;

        static (int Width, int Height) Smaller((int Width, int Height)? current, (int Width, int Height) candidate) =>
            current is { } c ? (Math.Min(c.Width, candidate.Width), Math.Min(c.Height, candidate.Height)) : candidate;
    }
}
