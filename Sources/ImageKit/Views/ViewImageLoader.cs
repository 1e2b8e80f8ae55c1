namespace ImageKit.Views;

/// <summary>
/// Runs "set an image on a view" from start to end, whatever the toolkit: show the placeholder, load, then show the
/// result only if it is still the view's latest load (or the error image), so a reused view never shows an old image.
/// </summary>
public static class ViewImageLoader
{
    /// <summary>
    /// Begins a load for <paramref name="view"/> on <paramref name="tracker"/> (cancelling the view's previous load),
    /// shows the placeholder, awaits <paramref name="load"/> and shows its result or failure if the load is still current.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A result that is not shown (stale, or cancelled yet delivered) is disposed when it is <see cref="IDisposable"/>;
    /// a shown result belongs to <see cref="ViewImageDisplay{T}.ShowResult"/>. Cancellation shows nothing and does not
    /// throw. An exception thrown by a display callback propagates.
    /// </para>
    /// <para>
    /// <b>Threading.</b> Call it on the UI thread: the callbacks run there, because the continuation after the load
    /// resumes on the caller's synchronization context.
    /// </para>
    /// </remarks>
    /// <typeparam name="T">The loaded result.</typeparam>
    /// <param name="tracker">The tracker that knows each view's latest load, usually <see cref="ViewLoadTracker.Shared"/>.</param>
    /// <param name="view">The view; held weakly.</param>
    /// <param name="load">The load, given a token cancelled when the view moves on.</param>
    /// <param name="display">What to do to the view at each step.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static Task<ViewLoadResult> LoadAsync<T>(
        ViewLoadTracker tracker,
        object view,
        Func<CancellationToken, Task<T>> load,
        ViewImageDisplay<T> display,
        CancellationToken cancellationToken = default)
    {
        ViewLoadTicket ticket;
        try
        {
            ArgumentNullException.ThrowIfNull(tracker);
            ArgumentNullException.ThrowIfNull(view);
            ArgumentNullException.ThrowIfNull(load);
            ArgumentNullException.ThrowIfNull(display);
            ticket = tracker.Begin(view, cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<ViewLoadResult>(e); // in the task, as from an async method
        }

        // The view stays out of the async state machine, whose fields the pending load roots: only the ticket, which
        // holds it weakly, goes along, so a view dropped while its image loads can be collected.
        return RunAsync(ticket, load, display);
    }

    private static async Task<ViewLoadResult> RunAsync<T>(ViewLoadTicket ticket, Func<CancellationToken, Task<T>> load, ViewImageDisplay<T> display)
    {
        using var _ = ticket;
        display.ShowPlaceholder?.Invoke();

        T result;
        try
        {
            // Back on the caller's context on purpose: the display callbacks touch the view.
            result = await load(ticket.CancellationToken).ConfigureAwait(true);
        }
        catch (OperationCanceledException) when (ticket.CancellationToken.IsCancellationRequested)
        {
            ticket.Complete();
            return new ViewLoadResult(ViewLoadOutcome.Cancelled);
        }
        catch (Exception error)
        {
            if (ticket.Complete() != ViewLoadCompletion.Current)
            {
                return new ViewLoadResult(ticket.CancellationToken.IsCancellationRequested ? ViewLoadOutcome.Cancelled : ViewLoadOutcome.Stale);
            }

            display.ShowError?.Invoke(error);
            return new ViewLoadResult(ViewLoadOutcome.Failed, error);
        }

        if (ticket.Complete() != ViewLoadCompletion.Current)
        {
            (result as IDisposable)?.Dispose();
            return new ViewLoadResult(ViewLoadOutcome.Stale);
        }

        bool crossFade;
        try
        {
            crossFade = display.CrossFade?.Invoke(result) ?? false;
        }
        catch
        {
            (result as IDisposable)?.Dispose(); // not handed to the view: nobody else would release it
            throw;
        }

        display.ShowResult(result, crossFade);
        return new ViewLoadResult(ViewLoadOutcome.Shown);
    }
}
