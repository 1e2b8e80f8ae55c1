namespace ImageKit.Display;

/// <summary>
/// A display link driven by a virtual clock, for tests and headless rendering: while it has subscribers it ticks once per
/// refresh period of the given <see cref="TimeProvider"/> (with <c>FakeTimeProvider</c>, each <c>Advance</c> delivers the
/// ticks that fall inside it, on the calling thread), and <see cref="Tick"/> delivers one on demand. Playback driven by
/// it is exactly reproducible.
/// </summary>
public sealed class ManualDisplayLinkProvider : DisplayLinkProvider
{
    private readonly ManualDisplayLink _link;

    /// <summary>Creates a provider on <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The clock; <c>FakeTimeProvider</c> in tests.</param>
    /// <param name="refreshPeriod">The time between ticks, more than 0 and at most 49 days (what a timer takes). <value>Default: 1/60 s.</value></param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="refreshPeriod"/> is not in that range.</exception>
    public ManualDisplayLinkProvider(TimeProvider timeProvider, TimeSpan? refreshPeriod = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var period = refreshPeriod ?? TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero, nameof(refreshPeriod));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(period, TimeSpan.FromMilliseconds(uint.MaxValue - 1), nameof(refreshPeriod));
        _link = new ManualDisplayLink(timeProvider, period);
    }

    /// <inheritdoc/>
    public override DisplayLink GetDisplayLink()
    {
        ObjectDisposedException.ThrowIf(_link.Disposed, this);
        return _link;
    }

    /// <summary>Delivers one tick now, at the clock's current time, if the link is running.</summary>
    public void Tick() => _link.TickNow();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _link.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed class ManualDisplayLink(TimeProvider time, TimeSpan period) : DisplayLink
    {
        private readonly long _origin = time.GetTimestamp();

        // Held while a tick is delivered: ticks go one at a time, and Dispose waits for the one in flight. A real clock's
        // timer fires again on another thread while a slow callback still runs; a virtual clock fires on the thread that
        // advances it, which may advance it again from inside a tick (the lock is reentrant).
        private readonly Lock _tickLock = new();
        private ITimer? _timer;

        // Which run of the timer is current: each start makes a new timer, and a callback of an earlier one (a real clock's
        // timer may already be calling back when it is disposed) is recognised by its run and does nothing.
        private int _run;
        private TimeSpan _startedAt;
        private long _periodicTicks;
        private long _missedTicks;

        public override TimeSpan RefreshPeriod => period;

        public bool Disposed => IsDisposed;

        protected override bool CanStopOnTickThread => true;

        public void TickNow()
        {
            lock (_tickLock)
            {
                if (IsRunning)
                {
                    var now = time.GetElapsedTime(_origin);
                    DispatchTick(new DisplayLinkTick(now, now + period));
                }
            }
        }

        protected override void StartCore()
        {
            _startedAt = time.GetElapsedTime(_origin);
            _periodicTicks = 0;
            Interlocked.Exchange(ref _missedTicks, 0);
            var run = Interlocked.Increment(ref _run);

            // Ticks run for every subscriber, not in the context of the one whose Subscribe started the link.
            _timer = ImageKit.Internal.ContextFreeTimer.Create(
                time,
                static state =>
                {
                    var (link, run) = ((ManualDisplayLink, int))state!;
                    link.PeriodicTick(run);
                },
                (this, run),
                period,
                period);
        }

        protected override void StopCore()
        {
            _timer?.Dispose();
            _timer = null;
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);

            // The timer is stopped, but a callback of a real clock's timer may still be delivering a tick on another
            // thread: wait for it, so that no tick follows Dispose (a Dispose from inside a tick cannot wait for itself).
            if (!_tickLock.IsHeldByCurrentThread)
            {
                _tickLock.Enter();
                _tickLock.Exit();
            }
        }

        // A virtual clock may jump over several periods at once (FakeTimeProvider.Advance); each tick carries the time it
        // was due at, not the time the jump landed on, so playback is the same however the clock is advanced. A callback
        // that finds a tick still being delivered skips its refresh, as a display link does, instead of overlapping it.
        // A callback of a timer stopped since (the link stopped, and maybe started again with a new timer) does nothing:
        // it would deliver an extra tick of the new run, or count a missed one against it.
        private void PeriodicTick(int run)
        {
            if (run != Volatile.Read(ref _run))
            {
                return;
            }

            if (!_tickLock.TryEnter())
            {
                Interlocked.Increment(ref _missedTicks);
                return;
            }

            try
            {
                if (IsRunning && run == Volatile.Read(ref _run))
                {
                    _periodicTicks += 1 + Interlocked.Exchange(ref _missedTicks, 0);
                    var due = _startedAt + (period * _periodicTicks);
                    DispatchTick(new DisplayLinkTick(due, due + period));
                }
            }
            finally
            {
                _tickLock.Exit();
            }
        }
    }
}
