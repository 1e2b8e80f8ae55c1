using ImageKit.Decoding;
using ImageKit.Decoding.Internal;

namespace ImageKit.Internal;

/// <summary>
/// Sits between a loader's progress and the caller's: passes every report on, and decodes previews of the partial data
/// on the thread pool, at most one at a time and only when enough new bytes have arrived; a decode that finishes with
/// newer data waiting starts on the newest (latest wins). After <see cref="StopAsync"/> no preview is reported.
/// </summary>
/// <remarks>
/// Previews are decoded off the thread that reads the response, so a slow decode never slows the download. Each preview
/// goes to the caller in <see cref="ImageLoadProgress.Preview"/>; the caller owns it. Thread-safe.
/// </remarks>
internal sealed class ProgressivePreviews : IProgress<ImageLoadProgress>
{
    // A preview costs a decode of everything so far; one per tenth of the image (or per 32 KiB when the size is unknown)
    // keeps the total to a few full decodes.
    private const double MinGrowthFraction = 0.1;
    private const long MinGrowthBytesUnknownSize = 32 * 1024;

    private readonly IProgress<ImageLoadProgress> _target;
    private readonly ImageDecodeOptions _decodeOptions;
    private readonly Lock _lock = new();
    private ImageLoadProgress? _waiting;
    private Task _decoding = Task.CompletedTask;
    private long _lastDecodedBytes;

    // Serialises the reports to the target (the download's thread reports bytes while a preview decodes on another), so
    // that BytesReceived never goes backwards: a preview of an earlier snapshot is reported with the bytes received by
    // then, not the snapshot's.
    private readonly Lock _reportGate = new();
    private long _reportedBytes;
    private bool _busy;
    private bool _stopped;

    public ProgressivePreviews(IProgress<ImageLoadProgress> target, ImageDecodeOptions decodeOptions)
    {
        _target = target;
        _decodeOptions = decodeOptions;
    }

    public void Report(ImageLoadProgress value)
    {
        lock (_reportGate)
        {
            _reportedBytes = Math.Max(_reportedBytes, value.BytesReceived);
            _target.Report(value);
        }

        if (value.PartialData.IsEmpty || value.BytesReceived == value.BytesExpected)
        {
            return; // nothing to preview, or the whole image is here and the real decode follows
        }

        lock (_lock)
        {
            if (_stopped || !IsWorthDecoding(value))
            {
                return;
            }

            if (_busy)
            {
                _waiting = value;
                return;
            }

            _busy = true;
            _lastDecodedBytes = value.BytesReceived;
            _decoding = Task.Run(() => DecodeLoop(value));
        }
    }

    /// <summary>Stops previews; completes once a decode in progress has finished (its preview is dropped).</summary>
    public Task StopAsync()
    {
        lock (_lock)
        {
            _stopped = true;
            _waiting = null;
            return _decoding;
        }
    }

    // Under _lock.
    private bool IsWorthDecoding(ImageLoadProgress value)
    {
        var growth = value.BytesReceived - _lastDecodedBytes;
        return value.BytesExpected is { } expected && expected > 0
            ? growth >= expected * MinGrowthFraction
            : growth >= MinGrowthBytesUnknownSize;
    }

    private void DecodeLoop(ImageLoadProgress value)
    {
        while (true)
        {
            ImageFrame? preview = null;
            try
            {
                preview = PreviewDecoder.TryDecode(value.PartialData.Span, _decodeOptions);
            }
            catch (ImageKitException)
            {
                // A preview is a courtesy: data that cannot be previewed yet is simply not shown. The real decode reports
                // what is wrong with the whole image.
            }

            bool stopped;
            lock (_lock)
            {
                stopped = _stopped;
            }

            // Reported by this task, which StopAsync returns: once the load has awaited it, no preview can follow.
            if (preview is not null && !stopped)
            {
                try
                {
                    lock (_reportGate)
                    {
                        _target.Report(new ImageLoadProgress(Math.Max(value.BytesReceived, _reportedBytes), value.BytesExpected) { Preview = preview });
                    }
                }
#pragma warning disable CA1031 // The app's progress handler failed: that must not fail the load (byte reports are treated the same way).
                catch (Exception)
#pragma warning restore CA1031
                {
                    // Whether the handler kept the frame before throwing is unknown. Disposed here, its memory is
                    // reused at once; a handler that kept it anyway gets ObjectDisposedException, never freed memory.
                    preview.Dispose();
                }
            }
            else
            {
                preview?.Dispose();
            }

            lock (_lock)
            {
                if (_stopped || _waiting is null)
                {
                    _busy = false;
                    return;
                }

                value = _waiting;
                _waiting = null;
                _lastDecodedBytes = value.BytesReceived;
            }
        }
    }
}
