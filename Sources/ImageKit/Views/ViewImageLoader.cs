using System.Runtime.CompilerServices;

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
    /// A result that is not shown (stale, cancelled yet delivered, or its view collected meanwhile) is disposed when it is
    /// <see cref="IDisposable"/>; a shown result belongs to <see cref="ViewImageDisplay{TView, T}.ShowResult"/>.
    /// Cancellation shows nothing and does not throw, whoever cancelled: the caller, a newer load, the tracker, or the load
    /// itself (an <see cref="OperationCanceledException"/> for a cancelled token, as the loads of a disposed
    /// <see cref="ImageManager"/> end); a timeout reported as one (with an inner <see cref="TimeoutException"/>) is a
    /// failure. An exception thrown by a display callback propagates.
    /// </para>
    /// <para>
    /// <b>Lifetime.</b> The pending load holds the view weakly and hands it to each display callback: a view nobody else
    /// references can be collected while its image loads (the load then ends as <see cref="ViewLoadOutcome.Stale"/>),
    /// unless <paramref name="load"/> or <paramref name="display"/> capture it.
    /// </para>
    /// <para>
    /// <b>Threading.</b> Call it on the UI thread: the callbacks run there, because the continuation after the load
    /// resumes on the caller's synchronization context.
    /// </para>
    /// </remarks>
    /// <typeparam name="TView">The view type.</typeparam>
    /// <typeparam name="T">The loaded result.</typeparam>
    /// <param name="tracker">The tracker that knows each view's latest load, usually <see cref="ViewLoadTracker.Shared"/>.</param>
    /// <param name="view">The view; held weakly.</param>
    /// <param name="load">The load, given a token cancelled when the view moves on.</param>
    /// <param name="display">What to do to the view at each step.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static Task<ViewLoadResult> LoadAsync<TView, T>(
        ViewLoadTracker tracker,
        TView view,
        Func<CancellationToken, Task<T>> load,
        ViewImageDisplay<TView, T> display,
        CancellationToken cancellationToken = default)
        where TView : class
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
        // holds it weakly, goes along, and each step takes the view back from it in a frame of its own.
        return RunAsync(ticket, load, display);
    }

    private static async Task<ViewLoadResult> RunAsync<TView, T>(ViewLoadTicket ticket, Func<CancellationToken, Task<T>> load, ViewImageDisplay<TView, T> display)
        where TView : class
    {
        using var _ = ticket;
        ShowPlaceholder(ticket, display);

        T result;
        try
        {
            // Back on the caller's context on purpose: the display callbacks touch the view.
            result = await load(ticket.CancellationToken).ConfigureAwait(true);
        }
        catch (OperationCanceledException e) when (ticket.CancellationToken.IsCancellationRequested || IsCancellation(e))
        {
            ticket.Complete();
            return new ViewLoadResult(ViewLoadOutcome.Cancelled);
        }
        catch (Exception error)
        {
            return ShowError(ticket, display, error);
        }

        return ShowResult(ticket, display, result);
    }

    // Cancelled by someone other than the view, such as a disposed manager (its loads end with OperationCanceledException
    // for its own, cancelled token). A timeout that reports itself as a cancellation (HttpClient's) is a failure.
    private static bool IsCancellation(OperationCanceledException e) =>
        e.CancellationToken.IsCancellationRequested && e.InnerException is not TimeoutException;

    // The steps below run outside the state machine (no inlining), so the view they take from the ticket is a local of
    // their own frame, never a hoisted field that the pending load would keep alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ShowPlaceholder<TView, T>(ViewLoadTicket ticket, ViewImageDisplay<TView, T> display)
        where TView : class
    {
        // A load already stale here (a newer load for the view began, and may have shown its image, while this one was
        // being begun; or it was cancelled) must not cover the view with its placeholder.
        if (display.ShowPlaceholder is { } show && ticket.IsCurrent && ticket.View is TView view)
        {
            show(view);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ViewLoadResult ShowError<TView, T>(ViewLoadTicket ticket, ViewImageDisplay<TView, T> display, Exception error)
        where TView : class
    {
        // Taken before completing, so a view alive at completion stays alive until it has been shown the error.
        var view = ticket.View as TView;
        if (ticket.Complete() != ViewLoadCompletion.Current || view is null)
        {
            return new ViewLoadResult(ticket.CancellationToken.IsCancellationRequested ? ViewLoadOutcome.Cancelled : ViewLoadOutcome.Stale);
        }

        display.ShowError?.Invoke(view, error);
        return new ViewLoadResult(ViewLoadOutcome.Failed, error);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ViewLoadResult ShowResult<TView, T>(ViewLoadTicket ticket, ViewImageDisplay<TView, T> display, T result)
        where TView : class
    {
        var view = ticket.View as TView;
        if (ticket.Complete() != ViewLoadCompletion.Current || view is null)
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

        display.ShowResult(view, result, crossFade);
        return new ViewLoadResult(ViewLoadOutcome.Shown);
    }
}
