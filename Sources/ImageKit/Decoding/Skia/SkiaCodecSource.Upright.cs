using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Decoding.Skia;

// Stills stored turned or mirrored (EXIF orientation), decoded upright.
internal sealed partial class SkiaCodecSource
{
    // Decodes the still at the stored size `stored` and turns it upright into the canvas: a flip in place, or a quarter
    // turn a band of rows at a time (from the codec's scanlines where it has them, else from a whole decode).
    private void RenderUpright(SKImageInfo stored, Span<byte> canvas, int rowBytes)
    {
        if (!ExifOrientation.SwapsAxes(_origin))
        {
            if (_frames.Length != 0)
            {
                canvas.Clear(); // a frame (WebP's) may not cover the canvas, which may hold an earlier user's pixels
            }

            Decode(stored, canvas, rowBytes, new SKCodecOptions(0));
            ExifOrientation.FlipInPlace(canvas, stored.Width, stored.Height, rowBytes, _origin);
            return;
        }

        if (_frames.Length == 0 && TryTurnScanlines(stored, canvas, rowBytes))
        {
            return;
        }

        var whole = PixelBufferPool.Shared.Rent(checked(stored.Width * stored.Height * 4));
        try
        {
            if (_frames.Length != 0)
            {
                whole.Span.Clear();
            }

            Decode(stored, whole.Span, stored.Width * 4, new SKCodecOptions(0));
            ExifOrientation.WriteTurned(whole.Span, stored.Width, stored.Height, canvas, rowBytes, _origin);
        }
        finally
        {
            whole.Release();
        }
    }

    // JPEG and PNG decode top-down scanlines: a band of them at a time goes straight into its upright columns, with no
    // full-size buffer in between. False when the codec has no top-down scanlines (WebP), before anything is written.
    private unsafe bool TryTurnScanlines(SKImageInfo stored, Span<byte> canvas, int rowBytes)
    {
        var codec = Codec;
        if (codec.ScanlineOrder != SKCodecScanlineOrder.TopDown || codec.StartScanlineDecode(stored) != SKCodecResult.Success)
        {
            return false;
        }

        var band = PixelBufferPool.Shared.Rent(checked(ExifOrientation.BandRows * stored.Width * 4));
        try
        {
            for (var y = 0; y < stored.Height; y += ExifOrientation.BandRows)
            {
                var count = Math.Min(ExifOrientation.BandRows, stored.Height - y);
                int decoded;
                fixed (byte* pixels = band.Span)
                {
                    decoded = codec.GetScanlines((IntPtr)pixels, count, stored.Width * 4);
                }

                if (decoded < count)
                {
                    SkiaCodecResults.ThrowUnlessSuccess(SKCodecResult.IncompleteInput);
                }

                ExifOrientation.WriteTurnedRows(band.Span, stored.Width, stored.Height, y, count, stored.Width * 4, canvas, rowBytes, _origin);
            }
        }
        finally
        {
            band.Release();
        }

        return true;
    }
}
