namespace ImageKit.Internal;

/// <summary>
/// Passes a loader's progress on to the caller of the load until <see cref="End"/>: a custom loader that ignores its
/// token is not waited for once its load is cancelled, and may go on reporting; those reports must not reach a caller
/// whose load has ended (a reused cell's progress bar). One already being delivered at that moment may still finish.
/// What the caller's handler throws is dropped here, whatever the loader (file and data loaders, an app's own, report
/// straight to it): a failing progress handler never fails a load, as the downloader already ignores it for http(s).
/// </summary>
internal sealed class LoadProgressRelay(IProgress<ImageLoadProgress> target) : IProgress<ImageLoadProgress>
{
    private volatile bool _ended;

    public void Report(ImageLoadProgress value)
    {
        if (_ended)
        {
            return;
        }

        try
        {
            target.Report(value);
        }
#pragma warning disable CA1031 // The app's progress handler failed: its bug, which must not turn a good load into a failed one.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Lets no report through any more; called once the load has stopped waiting for its loader.</summary>
    public void End() => _ended = true;
}
