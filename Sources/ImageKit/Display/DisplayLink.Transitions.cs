namespace ImageKit.Display;

public abstract partial class DisplayLink
{
    // A tick with nobody subscribed, on a link that is not already stopping: a stop failed (the desired state fell back to
    // the running backend, or Dispose could not stop it). Each such tick tries again, so that a link nobody uses does not
    // tick for ever; a failure is counted, never thrown into the backend's thread.
    private void RetryFailedStop()
    {
        lock (_lock)
        {
            if (_subscriptions.Length != 0 || !(_running || _disposed))
            {
                return;
            }

            _running = false;
        }

        try
        {
            ApplyState();
        }
#pragma warning disable CA1031 // Thrown on the tick thread, it would reach the backend's thread (a timer, CoreVideo).
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failedTransitions);
        }
    }

    // Brings the backend to the desired state. Re-reads that state under _transition, so racing subscribe/unsubscribe
    // calls settle on the last one whatever order they arrive in.
    private void ApplyState() => ApplyState(deferred: false);

    // Whether this thread is delivering one of this link's ticks, and the link defers its transitions off that thread.
    private bool IsTickThreadOfDeferringLink => !CanStopOnTickThread && IsDispatchingOnThisThread();

    private bool IsDispatchingOnThisThread()
    {
        var stack = t_dispatching;
        for (var i = 0; i < t_dispatchDepth; i++)
        {
            if (ReferenceEquals(stack![i], this))
            {
                return true;
            }
        }

        return false;
    }

    // ApplyState for a Subscribe: a start that failed meanwhile on another thread gave up the desired state (and was
    // thrown to its own caller); this subscriber, still listed, asks for it again.
    private void ApplyState(Subscription subscription)
    {
        if (IsTickThreadOfDeferringLink)
        {
            ApplyState();
            return;
        }

        lock (_transition)
        {
            lock (_lock)
            {
                if (!_disposed && Array.IndexOf(_subscriptions, subscription) >= 0)
                {
                    _running = true;
                }
            }

            ApplyState();
        }
    }

    // On the caller's thread a failing backend start or stop is thrown to the caller (Subscribe removes the subscription
    // it added); deferred to the thread pool it is counted in FailedTransitions instead, because an exception there would
    // end the process. Either way the desired state falls back to what the backend really is.
    private void ApplyState(bool deferred)
    {
        if (!deferred && IsTickThreadOfDeferringLink)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static link => link.ApplyState(deferred: true), this, preferLocal: false);
            return;
        }

        lock (_transition)
        {
            bool desired;
            lock (_lock)
            {
                desired = _running;
            }

            var starting = desired && !_coreRunning;
            try
            {
                if (starting)
                {
                    StartCore();
                    _coreRunning = true;
                    StartSucceeded();
                }
                else if (!desired && _coreRunning)
                {
                    StopCore();
                    _coreRunning = false;
                }
            }
            catch (Exception) when (deferred)
            {
                Interlocked.Increment(ref _failedTransitions);
                SettleOnBackendState();
                if (starting)
                {
                    ScheduleStartRetry();
                }
            }
            catch
            {
                SettleOnBackendState();
                if (starting)
                {
                    // Thrown to this caller (whose Subscribe then withdraws its own subscription), but a subscriber that
                    // joined from a tick did not wait for this start and would be left on a stopped link.
                    ScheduleStartRetry();
                }

                throw;
            }
        }
    }

    private void SettleOnBackendState()
    {
        lock (_lock)
        {
            _running = _coreRunning && !_disposed;
        }
    }
}
