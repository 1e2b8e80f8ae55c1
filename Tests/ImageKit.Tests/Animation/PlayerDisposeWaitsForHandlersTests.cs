using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// After <see cref="AnimatedImagePlayer.Dispose"/> returns, none of the app's handlers runs: events being raised on
/// another thread (the display link's, a thread-pool thread showing a decoded frame) are waited for. Called from inside a
/// handler, Dispose cannot wait for it and must not deadlock, also while another thread's Dispose waits for that handler.
/// </summary>
[TestClass]
public sealed class PlayerDisposeWaitsForHandlersTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_safety = TimeSpan.FromSeconds(30);

    // Time given to a wrong Dispose to return while the handler is held. Not a measurement: a correct Dispose never
    // returns in it, so the test cannot fail for a slow machine.
    private static readonly TimeSpan s_chanceToReturn = TimeSpan.FromMilliseconds(300);

    [TestMethod]
    public void Dispose_WhileAHandlerRunsOnTheTickThread_ReturnsOnlyAfterItAndNoHandlerRunsAfter()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(4, durationMs: 10);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        using var held = new HeldHandler();
        var ticker = new Thread(() =>
        {
            for (var i = 0; i < 10_000 && !held.Entered.IsSet; i++)
            {
                time.Advance(s_period);
            }
        });
        held.OnlyOn = ticker.ManagedThreadId;
        held.Attach(player);
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount >= 2, s_safety), "the worker buffered frames");
        player.Play();
        ticker.Start();
        Assert.IsTrue(held.Entered.Wait(s_safety), "a tick's FrameChanged handler is running");

        var disposer = held.DisposeOn(player);

        Assert.IsFalse(disposer.Join(s_chanceToReturn), "Dispose returned while a handler was still running on the tick thread");
        held.Release.Set();
        Assert.IsTrue(ticker.Join(s_safety) && disposer.Join(s_safety), "hang guard");
        Assert.IsTrue(held.HandlerDoneWhenDisposeReturned, "Dispose returned before the running handler finished");
        Assert.AreEqual(0, held.RunsAfterDispose, "a handler ran after Dispose returned");
    }

    [TestMethod]
    public void Dispose_WhileADecodedFrameIsRaisedOnTheThreadPool_ReturnsOnlyAfterItAndNoHandlerRunsAfter()
    {
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider(), s_period);
        var (image, source) = TestAnimation.Gated(4, durationMs: 5000);
        using var _ = image;
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        using var held = new HeldHandler();
        held.Attach(player);
        source.AllowAll(); // paused: the worker shows frame 0 once decoded, and its FrameChanged leaves from the pool

        Assert.IsTrue(held.Entered.Wait(s_safety), "the decoded frame's FrameChanged handler is running");
        var disposer = held.DisposeOn(player);

        Assert.IsFalse(disposer.Join(s_chanceToReturn), "Dispose returned while a handler was still running on the thread pool");
        held.Release.Set();
        Assert.IsTrue(disposer.Join(s_safety), "hang guard");
        Assert.IsTrue(held.HandlerDoneWhenDisposeReturned, "Dispose returned before the running handler finished");
        Assert.AreEqual(0, held.RunsAfterDispose, "a handler ran after Dispose returned");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "alone")]
    [DataRow(true, DisplayName = "while another thread's Dispose waits for the handler")]
    public void Dispose_FromInsideATickHandler_ReturnsWithoutWaitingForItself(bool anotherDisposeWaits)
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(4, durationMs: 10);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var disposedInside = false;
        var ticker = new Thread(() =>
        {
            for (var i = 0; i < 10_000 && !entered.IsSet; i++)
            {
                time.Advance(s_period);
            }
        });
        player.FrameChanged += (_, _) =>
        {
            if (Environment.CurrentManagedThreadId == ticker.ManagedThreadId && !entered.IsSet)
            {
                entered.Set();
                release.Wait(s_safety);
                player.Dispose();
                disposedInside = true;
            }
        };
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount >= 2, s_safety), "the worker buffered frames");
        player.Play();
        ticker.Start();
        Assert.IsTrue(entered.Wait(s_safety), "a tick's handler is running");
        var disposer = new Thread(player.Dispose);
        if (anotherDisposeWaits)
        {
            disposer.Start();
            Assert.IsFalse(disposer.Join(s_chanceToReturn), "the other Dispose waits for the handler");
        }

        release.Set();

        Assert.IsTrue(ticker.Join(s_safety), "the handler's Dispose returned (hang guard: it waited for itself)");
        Assert.IsTrue(disposedInside);
        Assert.IsTrue(!anotherDisposeWaits || disposer.Join(s_safety), "the other Dispose returned too");
        Assert.ThrowsExactly<ObjectDisposedException>(() => player.Image);
    }

    [TestMethod]
    [DoNotParallelize]
    public void DisposeAsync_AwaitedFromAHandler_CompletesOnlyAfterAnotherThreadsRunningHandler()
    {
        // The handler calling DisposeAsync returns at its await, so its own delivery ends while DisposeAsync waits: that
        // must not make the delivery still running on another thread pass for the caller's.
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        using var image = TestAnimation.Image(4, durationMs: 100);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = new FrameBudget(1L << 30) });
        var firstFrameShown = 0;
        EventHandler<FrameChangedEventArgs> count = (_, _) => Interlocked.Increment(ref firstFrameShown);
        player.FrameChanged += count;
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount >= 4 && Volatile.Read(ref firstFrameShown) > 0, s_safety), "every frame is buffered, and the first one's FrameChanged (from the pool) was raised");
        player.FrameChanged -= count;

        using var enteredB = new ManualResetEventSlim();
        using var releaseB = new ManualResetEventSlim();
        var threadB = -1;
        ValueTask disposal = default;
        var disposeStarted = false;
        player.FrameChanged += (_, _) =>
        {
            if (Environment.CurrentManagedThreadId == Volatile.Read(ref threadB))
            {
                enteredB.Set();
                releaseB.Wait(s_safety);
            }
            else if (!disposeStarted)
            {
                disposeStarted = true;
                disposal = player.DisposeAsync(); // an async handler's `await player.DisposeAsync();`
            }
        };

        var b = new Thread(() => player.SeekToFrame(1));
        threadB = b.ManagedThreadId;
        b.Start();
        Assert.IsTrue(enteredB.Wait(s_safety), "thread B's handler runs");
        player.SeekToFrame(2); // this thread's handler starts DisposeAsync and returns

        var completedWhileBRuns = SpinWait.SpinUntil(() => disposal.IsCompleted, s_chanceToReturn);
        releaseB.Set();
        Assert.IsTrue(b.Join(s_safety), "hang guard");
        Assert.IsTrue(SpinWait.SpinUntil(() => disposal.IsCompleted, s_safety), "DisposeAsync completes once thread B's handler has returned");
        Assert.IsFalse(completedWhileBRuns, "DisposeAsync completed while another thread's FrameChanged handler was still running");
    }

    /// <summary>
    /// A FrameChanged handler that holds its first call (on <see cref="OnlyOn"/>, if set) until released, then a second
    /// handler, and handlers of the other events, that count calls after Dispose returned.
    /// </summary>
    private sealed class HeldHandler : IDisposable
    {
        private volatile bool _handlerDone;
        private volatile bool _disposeReturned;
        private int _runsAfterDispose;

        public int? OnlyOn { get; set; }

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public bool HandlerDoneWhenDisposeReturned { get; private set; }

        public int RunsAfterDispose => Volatile.Read(ref _runsAfterDispose);

        public void Attach(AnimatedImagePlayer player)
        {
            player.FrameChanged += (_, _) =>
            {
                if ((OnlyOn is not { } thread || thread == Environment.CurrentManagedThreadId) && !Entered.IsSet)
                {
                    Entered.Set();
                    Release.Wait(s_safety);
                    _handlerDone = true;
                }
            };
            player.FrameChanged += (_, _) => CountIfDisposed();
            player.LoopCompleted += (_, _) => CountIfDisposed();
            player.Finished += (_, _) => CountIfDisposed();
        }

        public Thread DisposeOn(AnimatedImagePlayer player)
        {
            var disposer = new Thread(() =>
            {
                player.Dispose();
                HandlerDoneWhenDisposeReturned = _handlerDone;
                _disposeReturned = true;
            });
            disposer.Start();
            return disposer;
        }

        public void Dispose()
        {
            Release.Set();
            Entered.Dispose();
            Release.Dispose();
        }

        private void CountIfDisposed()
        {
            if (_disposeReturned)
            {
                Interlocked.Increment(ref _runsAfterDispose);
            }
        }
    }
}
