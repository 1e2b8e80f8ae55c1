using ImageKit.Transforming.Internal;
using SkiaSharp;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Decodes what has arrived of an image into a preview: the first frame as far as the data goes (the rows of a baseline
/// JPEG or PNG so far, a coarse full image from the scans of a progressive JPEG, the first passes of an interlaced PNG),
/// with what is missing left transparent. For progressive loading; never for results.
/// </summary>
internal static class PreviewDecoder
{
    /// <summary>
    /// A preview of <paramref name="partialData"/>, or <see langword="null"/> when there is nothing to show yet (the header
    /// has not arrived, no row could be decoded) or the data is not a format previews are made for
    /// (nor an APNG whose default image is not part of its animation: its first frame is in later chunks).
    /// </summary>
    /// <param name="partialData">The bytes received so far.</param>
    /// <param name="limits">Limits the declared canvas must respect.</param>
    /// <param name="maxPixelCount">
    /// When positive, the preview is decoded scaled down to at most this many pixels where the codec can (JPEG and WebP
    /// decode straight to a smaller size); where it cannot, there is no preview.
    /// </param>
    /// <exception cref="ImageLimitExceededException">The header declares a canvas beyond <paramref name="limits"/>, or the GIF or WebP frames that have arrived are more than its <see cref="DecodingLimits.MaxFrameCount"/>.</exception>
    public static ImageFrame? TryDecode(ReadOnlySpan<byte> partialData, DecodingLimits limits, long maxPixelCount = 0) =>
        TryDecode(partialData, new ImageDecodeOptions { Limits = limits, MaxPixelCount = maxPixelCount });

    /// <summary>
    /// A preview of <paramref name="partialData"/> within the limits and sizes of <paramref name="options"/>: scaled down
    /// where the image is larger than <see cref="ImageDecodeOptions.MaxPixelCount"/> or <see
    /// cref="ImageDecodeOptions.ThumbnailPixelSize"/> allow and the codec can decode smaller (JPEG, WebP); where it
    /// cannot, there is no preview. A still is turned upright as <see cref="ImageDecodeOptions.Orientation"/> says and run
    /// through <see cref="ImageDecodeOptions.Transformers"/>, as the finished image will be.
    /// </summary>
    /// <exception cref="ImageLimitExceededException">The header declares a canvas beyond the limits, or the GIF or WebP frames that have arrived are more than <see cref="DecodingLimits.MaxFrameCount"/>.</exception>
    public static ImageFrame? TryDecode(ReadOnlySpan<byte> partialData, ImageDecodeOptions options)
    {
        var format = ImageFormatDetector.Detect(partialData);
        if (format is not (ImageFormat.Jpeg or ImageFormat.Png or ImageFormat.Apng or ImageFormat.WebP or ImageFormat.Gif))
        {
            return null;
        }

        // Frames are counted from the container's headers before Skia parses them, as for the finished image
        // (SkiaCodecSource.Create): Skia answers a GIF's or WebP's frame count below by parsing every frame (a WebP's
        // looked up from the start of its index each time), seconds of CPU for a hostile file of tiny frames.
        if (EncodedFrameCounter.CountUpTo(format, partialData, options.Limits.MaxFrameCount) is { } frames)
        {
            options.Limits.CheckFrameCountAtLeast(frames);
        }

        using var data = SKData.CreateCopy(partialData);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return null; // the header is not complete yet
        }

        options.Limits.Check(codec.Info.Width, codec.Info.Height, frameCount: 1);

        // Skia's PNG codec shows an APNG's default image, which is the first frame only when an fcTL comes before it: a
        // default image outside the animation is never shown by the finished image, so it is no preview of it.
        if (format == ImageFormat.Apng && Apng.ApngReader.HidesDefaultImage(partialData, options.Limits))
        {
            return null;
        }
        var origin = ExifOrientation.ToApply(codec, format, options.Orientation, codec.FrameCount > 1);
        var swap = ExifOrientation.SwapsAxes(origin);
        var size = codec.Info.Size; // as stored; the limits below are for the upright image
        var scaled = options.ScaledSize(swap ? size.Height : size.Width, swap ? size.Width : size.Height);
        if (scaled is { } target)
        {
            if (FittingSize(codec, swap ? (target.Height, target.Width) : target) is not { } fitting)
            {
                return null; // this codec cannot decode smaller, and a full-size preview is what the caller ruled out
            }

            size = fitting;
        }

        var (width, height) = (size.Width, size.Height);
        var info = new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul);
        var buffer = PixelBufferPool.Shared.Rent(checked((int)info.BytesSize64));
        try
        {
            SKCodecResult result;
            unsafe
            {
                fixed (byte* pixels = buffer.Span)
                {
                    // Skia fills what it could not decode: transparent, as the options do not claim zeroed memory.
                    result = codec.GetPixels(info, (IntPtr)pixels, info.RowBytes, new SKCodecOptions(0));
                }
            }

            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            {
                buffer.Release();
                return null;
            }

            if (swap)
            {
                var upright = Turned(buffer, width, height, origin);
                buffer = upright;
                (width, height) = (height, width);
            }
            else if (origin != SKEncodedOrigin.TopLeft)
            {
                ExifOrientation.FlipInPlace(buffer.Span, width, height, width * 4, origin);
            }

            if (options.Transformers.Count > 0)
            {
                // The transformers get the size the finished image gives them (a crop's rectangle and a radius are in its
                // pixels), not the nearest smaller one the codec could decode at.
                if (scaled is { } finished && finished != (width, height))
                {
                    buffer = Resampled(buffer, width, height, finished);
                    (width, height) = finished;
                }

                (buffer, width, height) = Transformed(buffer, width, height, options);
            }

            return new ImageFrame(buffer, index: 0, width, height, TimeSpan.Zero, TimeSpan.Zero);
        }
        catch
        {
            buffer.Release();
            throw;
        }
    }

    // A new buffer holding the stored `width` x `height` pixels of `stored` turned upright; `stored` is released.
    private static PixelBuffer Turned(PixelBuffer stored, int width, int height, SKEncodedOrigin origin)
    {
        var upright = PixelBufferPool.Shared.Rent(stored.Length);
        try
        {
            ExifOrientation.WriteTurned(stored.Span, width, height, upright.Span, height * 4, origin);
        }
        catch
        {
            upright.Release();
            throw;
        }

        stored.Release();
        return upright;
    }

    // A new buffer holding the `width` x `height` pixels of `source` resampled to `size`; `source` is released.
    private static PixelBuffer Resampled(PixelBuffer source, int width, int height, (int Width, int Height) size)
    {
        var resampled = PixelBufferPool.Shared.Rent(checked(size.Width * size.Height * 4));
        try
        {
            Resampler.Resize(source.Span, width, height, width * 4, resampled.Span, size.Width, size.Height, size.Width * 4);
        }
        catch
        {
            resampled.Release();
            throw;
        }

        source.Release();
        return resampled;
    }

    // A new buffer holding `source` run through the options' transformers, as the finished image will be; `source` is
    // released.
    private static (PixelBuffer Buffer, int Width, int Height) Transformed(PixelBuffer source, int width, int height, ImageDecodeOptions options)
    {
        var chain = TransformChain.Create(options.Transformers, new System.Drawing.Size(width, height));
        var size = chain.OutputSize;
        options.Limits.Check(size.Width, size.Height, frameCount: 1);
        var transformed = PixelBufferPool.Shared.Rent(checked(size.Width * size.Height * 4));
        try
        {
            chain.Apply(source.Span, transformed.Span);
        }
        catch
        {
            transformed.Release();
            throw;
        }

        source.Release();
        return (transformed, size.Width, size.Height);
    }

    // The largest size the codec decodes to that is no larger than the target: Skia rounds a scale to one its decoder has
    // (libjpeg-turbo: the nearest eighth, which may be above it; libwebp: whole pixels), so ask again a little lower.
    private static SKSizeI? FittingSize(SKCodec codec, (int Width, int Height) target)
    {
        var full = codec.Info.Size;
        var desired = Math.Min((double)target.Width / full.Width, (double)target.Height / full.Height);
        foreach (var scale in (ReadOnlySpan<double>)[desired, desired - (1.0 / Math.Min(full.Width, full.Height)), Math.Floor(desired * 8) / 8])
        {
            if (scale <= 0)
            {
                continue;
            }

            var size = codec.GetScaledDimensions((float)scale);
            if (size.Width <= target.Width && size.Height <= target.Height)
            {
                return size;
            }
        }

        return null;
    }
}
