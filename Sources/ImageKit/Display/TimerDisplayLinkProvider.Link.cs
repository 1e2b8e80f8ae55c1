using System.Diagnostics;
using ImageKit.Display.Internal;

namespace ImageKit.Display;

public sealed partial class TimerDisplayLinkProvider
{
    private sealed class TimerLink(double frequencyHz) : DisplayLink
    {
        // Tests find the thread by this name (Linux shows its first 15 characters, "ImageKit.Displa").
        internal const string ThreadName = "ImageKit.DisplayLink";

        private readonly double _periodInStopwatchTicks = Stopwatch.Frequency / frequencyHz;
        private readonly TimeSpan _period = TimeSpan.FromSeconds(1 / frequencyHz);

        // Written only by StartCore/StopCore, which the base class serialises; read by Dispose from any thread.
        private TickThread? _tickThread;
        private long _skippedTicks;

        public override TimeSpan RefreshPeriod => _period;

        public bool Disposed => IsDisposed;

        public long SkippedTicks => Interlocked.Read(ref _skippedTicks);

        protected override void StartCore()
        {
            // Published only once started: a thread that failed to start (a thread limit) must not be joined by Dispose.
            var tickThread = new TickThread(this, _periodInStopwatchTicks);
            tickThread.Start();
            Volatile.Write(ref _tickThread, tickThread);
        }

        protected override void StopCore()
        {
            var tickThread = Volatile.Read(ref _tickThread);
            if (tickThread is not null)
            {
                tickThread.StopAndJoin();
                Volatile.Write(ref _tickThread, null);
            }
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);

            // The base class has stopped the thread, unless another Dispose got there first and is still joining it, or
            // this call comes from a tick (the stop then runs on the thread pool). Waiting here too makes "no tick after
            // Dispose returns" hold for every caller; waiting on the tick thread itself would deadlock, and a tick that
            // disposes its own link can see no later tick anyway: the subscriptions are gone.
            var tickThread = Volatile.Read(ref _tickThread);
            if (tickThread is not null && !tickThread.IsCurrentThread)
            {
                tickThread.Join();
            }
        }

        private void Deliver(long now, long next)
        {
            DispatchTick(new DisplayLinkTick(Stopwatch.GetElapsedTime(0, now), Stopwatch.GetElapsedTime(0, next)));
        }

        // One run of the tick thread, from StartCore to StopCore; a restart gets a new one, so a stop request can never
        // leak into the next run.
        private sealed class TickThread
        {
            // Sleep until this long before a grid point, then yield and spin the rest: OS sleeps wake ~0.1 ms late on
            // Linux and macOS but up to a whole timer quantum on Windows, so the window grows with the lateness observed,
            // up to a cap past which precision is not worth the CPU.
            private static readonly long s_minSpinWindow = Stopwatch.Frequency / 1000;
            private static readonly long s_maxSpinWindow = Stopwatch.Frequency * 4 / 1000;
            private static readonly long s_yieldThreshold = Stopwatch.Frequency / 5000;

            // How early a precise sleep aims, for nanosleep's own lateness (~0.06 ms on Linux): the rest is spun.
            private static readonly long s_preciseSleepMargin = Stopwatch.Frequency / 6000;

            private readonly TimerLink _link;
            private readonly double _period;
            private readonly Thread _thread;
            private readonly object _gate = new();
            private bool _stopRequested;
            private long _oversleep;

            public TickThread(TimerLink link, double period)
            {
                _link = link;
                _period = period;
                _thread = new Thread(static state => ((TickThread)state!).Run())
                {
                    Name = ThreadName,
                    IsBackground = true,

                    // Display links run above normal priority on every platform that has one (CVDisplayLink's thread is
                    // high priority); where the OS ignores the request this is harmless.
                    Priority = ThreadPriority.AboveNormal,
                };
            }

            public bool IsCurrentThread => Thread.CurrentThread == _thread;

            // UnsafeStart: the thread ticks for every subscriber, not in the context of the one whose Subscribe started it.
            public void Start() => _thread.UnsafeStart(this);

            public void StopAndJoin()
            {
                Debug.Assert(!IsCurrentThread, "The base class never stops a link on its tick thread.");
                lock (_gate)
                {
                    _stopRequested = true;
                    Monitor.PulseAll(_gate);
                }

                _thread.Join();
            }

            public void Join() => _thread.Join();

            private void Run()
            {
                DisplayLinkCounters.TimerThreadStarted();
                try
                {
                    var start = Stopwatch.GetTimestamp();
                    long index = 1;
                    while (WaitUntil(GridPoint(start, index)))
                    {
                        var now = Stopwatch.GetTimestamp();
                        var next = GridPoint(start, (long)((now - start) / _period) + 1);
                        _link.Deliver(now, next);

                        // The following grid point, unless the thread is already more than a period past it: then skip to
                        // the first one still ahead rather than deliver the missed ones in a burst.
                        index++;
                        var after = Stopwatch.GetTimestamp();
                        if (after - GridPoint(start, index) > _period)
                        {
                            var ahead = (long)((after - start) / _period) + 1;
                            Interlocked.Add(ref _link._skippedTicks, ahead - index);
                            index = ahead;
                        }
                    }
                }
                finally
                {
                    DisplayLinkCounters.TimerThreadExited();
                }
            }

            // Grid points are computed from the start each time, never by adding periods, so rounding cannot accumulate.
            private long GridPoint(long start, long index) => start + (long)(index * _period);

            // Returns false when a stop was requested before the due time.
            private bool WaitUntil(long due)
            {
                while (true)
                {
                    if (Volatile.Read(ref _stopRequested))
                    {
                        return false;
                    }

                    var now = Stopwatch.GetTimestamp();
                    var remaining = due - now;
                    if (remaining <= 0)
                    {
                        return true;
                    }

                    var spinWindow = Math.Clamp(_oversleep + (s_minSpinWindow / 2), s_minSpinWindow, s_maxSpinWindow);
                    var sleepMs = (remaining - spinWindow) * 1000 / Stopwatch.Frequency;
                    if (sleepMs >= 1)
                    {
                        if (!Sleep((int)sleepMs, now))
                        {
                            return false;
                        }
                    }
                    else if (remaining > s_preciseSleepMargin + s_yieldThreshold && PreciseSleep.TrySleep(remaining - s_preciseSleepMargin))
                    {
                        // Slept to within the margin without spinning; the loop re-checks the stop request and the time.
                    }
                    else if (remaining > s_yieldThreshold)
                    {
                        Thread.Yield();
                    }
                    else
                    {
                        Thread.SpinWait(20);
                    }
                }
            }

            private bool Sleep(int milliseconds, long now)
            {
                lock (_gate)
                {
                    if (_stopRequested)
                    {
                        return false;
                    }

                    Monitor.Wait(_gate, milliseconds);
                    if (_stopRequested)
                    {
                        return false;
                    }
                }

                // A decaying maximum of how late sleeps wake: one slow wake widens the spin window at once, and it narrows
                // again over a few dozen ticks.
                var late = Stopwatch.GetTimestamp() - now - (milliseconds * Stopwatch.Frequency / 1000);
                _oversleep = Math.Max(Math.Max(late, 0), _oversleep - (_oversleep / 32));
                return true;
            }
        }
    }
}
