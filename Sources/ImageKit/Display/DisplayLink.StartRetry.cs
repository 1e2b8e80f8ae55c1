using ImageKit.Internal;

namespace ImageKit.Display;

public abstract partial class DisplayLink
{
    // A failed deferred start is tried again after this long, doubling with each failure up to the cap: a display that
    // comes back (a lid opened, a monitor plugged in) brings the animations back within seconds, and a backend that keeps
    // failing costs one attempt every few seconds.
    private static readonly TimeSpan s_firstStartRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_maxStartRetryDelay = TimeSpan.FromSeconds(5);

    // Under _lock: the delay of the last retry scheduled (zero once a start succeeds), and the timer of a pending one.
    private TimeSpan _startRetryDelay;
    private ITimer? _startRetry;

    /// <summary>Whether a failed start is to be tried again (tests).</summary>
    internal bool StartRetryPending
    {
        get
        {
            lock (_lock)
            {
                return _startRetry is not null;
            }
        }
    }

    // A start deferred to the thread pool (a Subscribe from a tick while the link was stopping) has no caller to throw
    // to, and a Subscribe from a tick that found the link starting does not wait for that start; both subscribers were
    // told they are subscribed. Rather than leave them on a stopped link for good, a failed start is tried again, with a
    // growing delay, for as long as a live subscriber remains and nothing else started the link (a start that failed on
    // its caller's thread withdrew the caller's own subscription first, so a retry finds only the others).
    private void ScheduleStartRetry()
    {
        lock (_lock)
        {
            if (_disposed || _running || _startRetry is not null || _subscriptions.Length == 0)
            {
                return;
            }

            _startRetryDelay = _startRetryDelay == TimeSpan.Zero
                ? s_firstStartRetryDelay
                : TimeSpan.FromTicks(Math.Min(_startRetryDelay.Ticks * 2, s_maxStartRetryDelay.Ticks));

            // The callback takes _lock first, so it cannot see the field before it is set.
            _startRetry = ContextFreeTimer.Create(
                TimeProvider.System,
                static link => ((DisplayLink)link!).RetryStart(),
                this,
                _startRetryDelay,
                Timeout.InfiniteTimeSpan);
        }
    }

    private void RetryStart()
    {
        bool start;
        lock (_lock)
        {
            _startRetry?.Dispose();
            _startRetry = null;
            start = !_disposed && !_running && Array.Exists(_subscriptions, static s => s.IsAlive);
            if (start)
            {
                _running = true;
            }
        }

        if (start)
        {
            ApplyState(deferred: true); // a failure is counted and scheduled again
        }
        else
        {
            // Collected targets that nothing ticks to notice. Removing the last one stops the link, here on the timer's
            // thread (a start since succeeded: the link runs): a stop that fails is counted, and the next tick with nobody
            // subscribed tries it again, as after a failed deferred stop; thrown here, it would end the process.
            try
            {
                RemoveWhere(static s => !s.IsAlive);
            }
#pragma warning disable CA1031 // On a timer thread: an exception would end the process.
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _failedTransitions);
            }
        }
    }

    private void StartSucceeded()
    {
        lock (_lock)
        {
            _startRetryDelay = TimeSpan.Zero;
        }
    }

    // From Dispose: a pending retry has nothing left to start.
    private void CancelStartRetry()
    {
        ITimer? retry;
        lock (_lock)
        {
            retry = _startRetry;
            _startRetry = null;
        }

        retry?.Dispose();
    }
}
