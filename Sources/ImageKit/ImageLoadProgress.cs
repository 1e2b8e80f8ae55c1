using ImageKit.Decoding;

namespace ImageKit;

/// <summary>How far a load has come: bytes received so far and, when the server said, how many to expect.</summary>
/// <param name="BytesReceived">Bytes received so far. A download retried from its start (not resumed) starts again from 0,
/// so a progress bar shows the retry rather than stalling at the failed attempt's count.</param>
/// <param name="BytesExpected">The total, when known.</param>
public sealed record ImageLoadProgress(long BytesReceived, long? BytesExpected)
{
    /// <summary>
    /// The bytes received so far, when the request asked for them (<see cref="Loading.ImageLoaderRequest.ReportPartialData"/>;
    /// the manager asks when <see cref="ImageLoadOptions.Progressive"/> is set). A snapshot the receiver may keep.
    /// </summary>
    /// <value>Default: empty.</value>
    public ReadOnlyMemory<byte> PartialData { get; init; }

    /// <summary>
    /// With <see cref="ImageLoadOptions.Progressive"/>: the first frame decoded from the bytes received so far (what has
    /// not arrived is transparent), in a report of its own. The receiver owns it and should dispose it when it has been
    /// replaced on screen; one that is never disposed is still reclaimed by a finalizer. It is the only owner of its
    /// pixels, so read <see cref="ImageFrame.Pixels"/> only while holding it (see there), or copy them with
    /// <see cref="ImageFrame.CopyPixelsTo"/>.
    /// </summary>
    /// <value>Default: <see langword="null"/>.</value>
    public ImageFrame? Preview { get; init; }
}
