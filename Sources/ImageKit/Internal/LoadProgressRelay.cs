namespace ImageKit.Internal;

/// <summary>
/// Passes a loader's progress on to the caller of the load until <see cref="End"/>: a custom loader that ignores its
/// token is not waited for once its load is cancelled, and may go on reporting; those reports must not reach a caller
/// whose load has ended (a reused cell's progress bar). One already being delivered at that moment may still finish.
/// </summary>
internal sealed class LoadProgressRelay(IProgress<ImageLoadProgress> target) : IProgress<ImageLoadProgress>
{
    private volatile bool _ended;

    public void Report(ImageLoadProgress value)
    {
        if (!_ended)
        {
            target.Report(value);
        }
    }

    /// <summary>Lets no report through any more; called once the load has stopped waiting for its loader.</summary>
    public void End() => _ended = true;
}
