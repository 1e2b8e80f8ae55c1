using CoreGraphics;
using ImageKit.Decoding;
using ImageKit.Views;

namespace ImageKit.Mac.Internal;

/// <summary>Makes CGImages that read an <see cref="ImageFrame"/>'s pixels in place.</summary>
internal static class FrameImages
{
    // Decoders produce sRGB; one shared colour space, never released (it is process-wide in Core Graphics too).
    private static readonly CGColorSpace s_srgb = CGColorSpace.CreateSrgb();

    /// <summary>
    /// A CGImage over <paramref name="frame"/>'s pixels without copying them. The caller keeps its frame; the image holds
    /// its own <see cref="FramePixelLease"/>, which Core Graphics releases (once) when the last user of the image's data
    /// provider is gone — possibly long after the caller disposed the image, on any thread.
    /// </summary>
    public static CGImage Create(ImageFrame frame)
    {
        var lease = FramePixelLease.Create(frame);
        CGDataProvider provider;
        try
        {
            // Microsoft.macOS keeps the callback alive with its own GCHandle and calls it from CGDataProvider's
            // releaseData callback, which Core Graphics invokes exactly once.
            provider = new CGDataProvider(lease.Address, checked((int)lease.ByteCount), _ => lease.Release());
        }
        catch
        {
            // Not sure Core Graphics calls releaseData when creation fails: Release is idempotent, so release here too.
            lease.Release();
            throw;
        }

        // The CGImage retains the provider; dropping our reference leaves the image the provider's only owner.
        using (provider)
        {
            var layout = lease.Layout;
            return new CGImage(
                layout.Width,
                layout.Height,
                FrameBitmapLayout.BitsPerComponent,
                FrameBitmapLayout.BitsPerPixel,
                layout.BytesPerRow,
                s_srgb,
                (CGBitmapFlags)FrameBitmapLayout.BitmapInfo,
                provider,
                decode: null,
                shouldInterpolate: true,
                CGColorRenderingIntent.Default);
        }
    }
}
