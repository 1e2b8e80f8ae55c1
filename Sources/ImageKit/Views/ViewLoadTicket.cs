namespace ImageKit.Views;

/// <summary>
/// One load for one view, handed out by <see cref="ViewLoadTracker.Begin"/>: pass <see cref="CancellationToken"/> to the
/// load, and call <see cref="Complete"/> before showing its result.
/// </summary>
/// <remarks>
/// <b>Threading.</b> Thread-safe. The ticket references its view weakly. Dispose it when the load is over: that releases
/// the link to the caller's cancellation token and, if the load was still current, forgets it.
/// </remarks>
public sealed class ViewLoadTicket : IDisposable
{
    private readonly ViewLoadTracker _tracker;
    private readonly WeakReference<object> _view;
    private readonly CancellationTokenSource _cancellation;
    private int _state; // 0 = current, 1 = completed, 2 = stale (superseded or cancelled)

    internal ViewLoadTicket(ViewLoadTracker tracker, object view, CancellationToken cancellationToken)
    {
        _tracker = tracker;
        _view = new WeakReference<object>(view);
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CancellationToken = _cancellation.Token;
    }

    /// <summary>Cancelled when a newer load begins for the view, the view's load is cancelled, or the caller's token is.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Whether this is still the view's load: not superseded, cancelled or completed.</summary>
    public bool IsCurrent => Volatile.Read(ref _state) == 0 && !CancellationToken.IsCancellationRequested;

    /// <summary>
    /// Ends the load. Returns <see cref="ViewLoadCompletion.Current"/> exactly once, for a load that is still the view's
    /// latest and was not cancelled: only then may its result be shown. Every other call returns
    /// <see cref="ViewLoadCompletion.Stale"/>.
    /// </summary>
    public ViewLoadCompletion Complete()
    {
        var wasCurrent = !CancellationToken.IsCancellationRequested && Interlocked.CompareExchange(ref _state, 1, 0) == 0;
        if (!wasCurrent)
        {
            _ = Interlocked.CompareExchange(ref _state, 2, 0);
            _tracker.TryRetire(this, Target);
            return ViewLoadCompletion.Stale;
        }

        // A newer load that began between the check and here has already replaced this ticket in the tracker.
        return _tracker.TryRetire(this, Target) ? ViewLoadCompletion.Current : ViewLoadCompletion.Stale;
    }

    /// <summary>Forgets the load if it is still current and unlinks from the caller's token. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
        {
            _tracker.TryRetire(this, Target);
        }

        _cancellation.Dispose();
    }

    internal void Supersede()
    {
        _ = Interlocked.CompareExchange(ref _state, 2, 0);
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The load already ended and disposed its ticket: nothing is listening any more.
        }
    }

    /// <summary>The view, or <see langword="null"/> once it has been collected.</summary>
    internal object? View => Target;

    private object? Target => _view.TryGetTarget(out var view) ? view : null;
}
