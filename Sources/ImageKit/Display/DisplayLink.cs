namespace ImageKit.Display;

/// <summary>
/// A source of display refreshes shared by every target that subscribes to it (the counterpart of SDWebImage's
/// <c>SDDisplayLink</c>): one link per display, whatever the number of playing animations. It runs only while it has
/// subscribers — it starts with the first and stops with the last.
/// </summary>
/// <remarks>
/// <para>
/// <b>Subscriptions are weak.</b> The link holds its targets through weak references, so subscribing never keeps a
/// target alive: a target that nobody else references is collected, and its subscription ends at the next tick (and with
/// the last one, the link stops). Disposing the subscription ends it at once.
/// </para>
/// <para>
/// <b>Threading.</b> Ticks arrive on the link's own thread, one at a time. <see cref="Subscribe"/>, subscription disposal
/// and <see cref="Dispose()"/> may be called from any thread, including from inside a tick. After <see cref="Dispose()"/>
/// returns, no tick is delivered. Disposing a subscription waits for a tick being delivered to its target on another
/// thread, so after it returns the target is never called again (from inside the target's own tick it does not wait: the
/// rest of that tick's handler still runs). Since starting or stopping the link and disposing a subscription may wait
/// for the tick being delivered, never call <see cref="Subscribe"/> or dispose a subscription while holding a lock that a
/// tick handler takes, or from a thread that a tick handler waits for (a player subscribes
/// outside its own lock for this reason).
/// </para>
/// </remarks>
public abstract partial class DisplayLink : IDisposable
{
    // The links whose ticks this thread is delivering, outermost first: a tick handler may deliver another link's tick (it
    // advances a virtual clock), and a transition requested from inside that one is still on the outer link's tick thread.
    [ThreadStatic]
    private static DisplayLink?[]? t_dispatching;

    [ThreadStatic]
    private static int t_dispatchDepth;

    // Lock discipline: _lock guards the subscriber list and the desired state (_running, _disposed) and is held only for
    // a few instructions. _transition serialises StartCore/StopCore, which may block (CVDisplayLinkStop may wait for an
    // in-flight callback; the CoreVideo backend waits for one itself), and is never taken on the tick thread: a state change requested from inside a tick is applied
    // from the thread pool, so stopping a link can never wait for the very tick that asked for it.
    private readonly Lock _lock = new();
    private readonly Lock _transition = new();
    private Subscription[] _subscriptions = [];
    private bool _running;
    private bool _coreRunning;
    private bool _disposed;
    private long _failedTicks;
    private long _failedTransitions;

    /// <summary>The time between two refreshes.</summary>
    public abstract TimeSpan RefreshPeriod { get; }

    /// <summary>Whether the link is delivering ticks (it has at least one subscriber and is not disposed).</summary>
    public bool IsRunning
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <summary>The number of subscriptions not yet ended (a collected target counts until the next tick notices it).</summary>
    public int SubscriberCount => Volatile.Read(ref _subscriptions).Length;

    /// <summary>
    /// Backend starts or stops that failed off the caller's thread (a failure on the caller's thread is thrown to it). A
    /// failed start is tried again, after a delay growing from 50 ms to 5 s, while a subscriber remains (one other than a
    /// caller that was thrown the failure); a failed stop, at the next tick.
    /// </summary>
    public long FailedTransitions => Interlocked.Read(ref _failedTransitions);

    /// <summary>Ticks whose target threw; the exception was swallowed so that other targets keep their refreshes.</summary>
    public long FailedTicks => Interlocked.Read(ref _failedTicks);

    /// <summary>
    /// Whether <see cref="StopCore"/> may run on the tick thread. <see langword="false"/> (the default) for backends whose
    /// stop waits for the tick thread; a backend whose stop is a plain bookkeeping change (a virtual clock) returns
    /// <see langword="true"/>, so that a link losing its last subscriber during a tick stops before the tick returns.
    /// </summary>
    protected virtual bool CanStopOnTickThread => false;

    /// <summary>Whether <see cref="Dispose()"/> has been called.</summary>
    protected bool IsDisposed
    {
        get
        {
            lock (_lock)
            {
                return _disposed;
            }
        }
    }

    /// <summary>
    /// Subscribes <paramref name="target"/>, weakly: the link never keeps it alive. Dispose the returned object to
    /// unsubscribe: once that returns (on a thread other than the one delivering the target's tick), the target is not
    /// called again, and a tick it was being given on another thread has returned. Starts the link if it was idle.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The link has been disposed.</exception>
    public IDisposable Subscribe(IDisplayLinkTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var subscription = new Subscription(this, target);
        bool start;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _subscriptions = [.. _subscriptions, subscription];
            start = !_running;
            _running = true;
        }

        // A Subscribe that finds the link starting waits for that start too (except on the tick thread, which must never
        // wait for a transition): if it failed, the link would otherwise stay stopped under a subscriber that was told it
        // is subscribed. It then starts the backend itself, and a failure is thrown to it as to the first.
        if (start || !IsTickThreadOfDeferringLink)
        {
            try
            {
                ApplyState(subscription);
            }
            catch
            {
                subscription.Dispose();
                throw;
            }
        }

        return subscription;
    }

    /// <summary>
    /// Stops the link and releases what it holds. Idempotent; no tick is delivered after it returns. Does nothing on the
    /// link of <see cref="DisplayLinkProvider.System"/>, which, like that provider, is shared by the whole process.
    /// </summary>
    public void Dispose()
    {
        if (IsProcessWide)
        {
            return;
        }

        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    // The link of DisplayLinkProvider.System (set before it is shared): one caller disposing it would stop every animation
    // of the app for good, so its Dispose does nothing, as the provider's does not.
    internal bool IsProcessWide { get; set; }

    /// <summary>Starts delivering ticks. Calls to <see cref="StartCore"/> and <see cref="StopCore"/> alternate and never overlap.</summary>
    protected abstract void StartCore();

    /// <summary>
    /// Stops delivering ticks and returns only when no tick is in flight. Never called on the tick thread, so an
    /// implementation may wait for that thread.
    /// </summary>
    protected abstract void StopCore();

    /// <summary>Stops the link; a derived class releases its native resources after calling this base method.</summary>
    /// <param name="disposing"><see langword="true"/> from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        bool stop;
        Subscription[] subscriptions;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            stop = _running;
            _running = false;
            subscriptions = _subscriptions;
            _subscriptions = [];
        }

        // A tick in progress goes on through its own copy of the list: ending every subscription keeps it from ticking the
        // targets after the caller's once a Dispose called from inside it has returned (a tick on another thread is waited
        // for by the stop).
        foreach (var subscription in subscriptions)
        {
            subscription.EndWithLink();
        }

        CancelStartRetry();
        if (stop)
        {
            ApplyState();
        }
    }

    /// <summary>
    /// Delivers one refresh to every live target (backends call this from their thread). Targets that were collected are
    /// dropped, and the link stops when none is left.
    /// </summary>
    protected void DispatchTick(DisplayLinkTick tick)
    {
        var stack = t_dispatching ??= new DisplayLink?[4];
        if (t_dispatchDepth == stack.Length)
        {
            Array.Resize(ref stack, stack.Length * 2);
            t_dispatching = stack;
        }

        stack[t_dispatchDepth++] = this;
        try
        {
            var subscriptions = Volatile.Read(ref _subscriptions);
            if (subscriptions.Length == 0)
            {
                RetryFailedStop();
                return;
            }

            var dead = false;
            foreach (var subscription in subscriptions)
            {
                if (!subscription.TryBeginDelivery(out var target))
                {
                    dead = true;
                    continue;
                }

                try
                {
                    target.OnDisplayLinkTick(tick);
                }
#pragma warning disable CA1031 // One failing target must not take the refreshes of the others down.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _failedTicks);
                }
                finally
                {
                    subscription.EndDelivery();
                }
            }

            if (dead)
            {
                RemoveWhere(static s => !s.IsAlive);
            }
        }
        finally
        {
            t_dispatching![--t_dispatchDepth] = null;
        }
    }

    private void Remove(Subscription subscription) => RemoveWhere(s => ReferenceEquals(s, subscription));

    private void RemoveWhere(Func<Subscription, bool> predicate)
    {
        bool stop;
        lock (_lock)
        {
            var remaining = Array.FindAll(_subscriptions, s => !predicate(s));
            if (remaining.Length == _subscriptions.Length)
            {
                return;
            }

            _subscriptions = remaining;
            stop = remaining.Length == 0 && _running;
            if (stop)
            {
                _running = false;
            }
        }

        if (stop)
        {
            ApplyState();
        }
    }
}
