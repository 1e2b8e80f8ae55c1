using System.Runtime.CompilerServices;

namespace ImageKit.Views;

/// <summary>
/// Remembers the one load in progress for each view, so a reused view (a table or collection cell) never shows the
/// image of a load it has moved on from: beginning a load for a view cancels the view's previous load and makes it stale.
/// </summary>
/// <remarks>
/// <para>
/// Views are held weakly (a <see cref="ConditionalWeakTable{TKey, TValue}"/>): the tracker and its tickets never keep a
/// view alive. Any object can stand for a view; it is compared by reference.
/// </para>
/// <para><b>Threading.</b> Every member is thread-safe; a view's loads are usually begun on the UI thread.</para>
/// </remarks>
public sealed class ViewLoadTracker
{
    private readonly ConditionalWeakTable<object, ViewLoadTicket> _current = new();
    private readonly Lock _lock = new();

    /// <summary>A process-wide tracker, used by the view extensions unless they are given another.</summary>
    public static ViewLoadTracker Shared { get; } = new();

    /// <summary>
    /// Starts a load for <paramref name="view"/>: the view's previous load, if any, is cancelled and becomes stale.
    /// Dispose the returned ticket when the load is over.
    /// </summary>
    /// <param name="view">The view the image is for.</param>
    /// <param name="cancellationToken">Also cancels the ticket's token; the ticket then completes as stale.</param>
    /// <exception cref="ArgumentNullException"><paramref name="view"/> is <see langword="null"/>.</exception>
    /// <exception cref="AggregateException">
    /// A cancellation callback of the previous load threw (all of them ran); no load is left begun for the view.
    /// </exception>
    public ViewLoadTicket Begin(object view, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        var ticket = new ViewLoadTicket(this, view, cancellationToken);
        ViewLoadTicket? previous;
        lock (_lock)
        {
            _current.TryGetValue(view, out previous);
            _current.AddOrUpdate(view, ticket);
        }

        // Outside the lock: cancellation runs the callbacks registered by the load, which may call back into the tracker.
        try
        {
            previous?.Supersede();
        }
        catch
        {
            // A callback threw (every callback has run): the caller gets no ticket to dispose, so it must not stay the
            // view's load, nor linked to the caller's token.
            ticket.Dispose();
            throw;
        }

        return ticket;
    }

    /// <summary>Cancels the load in progress for <paramref name="view"/>, if any.</summary>
    /// <returns>Whether there was a load to cancel.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="view"/> is <see langword="null"/>.</exception>
    /// <exception cref="AggregateException">
    /// A cancellation callback of the load threw (all of them ran); the view has no load in progress all the same.
    /// </exception>
    public bool Cancel(object view)
    {
        ArgumentNullException.ThrowIfNull(view);
        ViewLoadTicket? current;
        lock (_lock)
        {
            if (!_current.TryGetValue(view, out current))
            {
                return false;
            }

            _current.Remove(view);
        }

        current.Supersede();
        return true;
    }

    /// <summary>Whether <paramref name="view"/> has a load in progress.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="view"/> is <see langword="null"/>.</exception>
    public bool IsLoading(object view)
    {
        ArgumentNullException.ThrowIfNull(view);
        lock (_lock)
        {
            return _current.TryGetValue(view, out _);
        }
    }

    // Ends the ticket's turn: true if it was still the view's current load.
    internal bool TryRetire(ViewLoadTicket ticket, object? view)
    {
        lock (_lock)
        {
            if (view is null || !_current.TryGetValue(view, out var current) || !ReferenceEquals(current, ticket))
            {
                return false;
            }

            _current.Remove(view);
            return true;
        }
    }
}
