using System.Runtime.CompilerServices;
using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Display;
using ImageKit.Display.Internal;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// The reason ImageKit exists: players must not leak. Disposed players release everything at once; players nobody
/// references are collected without being disposed, their link subscription ends and the link stops.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PlayerLifetimeTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task CreatePlayDispose_TenThousandCycles_LeavesNothingBehind()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        var budget = new FrameBudget(256L * 1024 * 1024);
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));
        var options = new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget };

        await RunCyclesAsync(image, options, time, 500); // warm up pools and JIT
        var pins = NativeResourceCounters.LivePins;
        var codecs = NativeResourceCounters.LiveCodecs;
        var threads = ThreadCounter.CountOutsideThreadPool();
        var imageKitThreads = ThreadCounter.Count("ImageKit");

        // The shared image's own cache of composited frames fills or not depending on whether a player's worker decoded
        // before it was disposed; empty it on both sides (before the pool is trimmed) so only what the players left counts.
        image.TrimCache();
        var managedBefore = ManagedBytesAfterGc();
        var pixelsBefore = PixelMemory.AllocatedBytes;
        var finalizedBefore = PixelBuffer.FinalizedBuffers;

        await RunCyclesAsync(image, options, time, 10_000);

        image.TrimCache();
        var managedAfter = ManagedBytesAfterGc();
        // Process-wide counters (another test's leftovers can land in this window); a per-cycle leak would show 10,000 times.
        var pixelDelta = PixelMemory.AllocatedBytes - pixelsBefore;
        var finalizedDelta = PixelBuffer.FinalizedBuffers - finalizedBefore;
        Assert.IsLessThanOrEqualTo(8L * 1024 * 1024, Math.Abs(pixelDelta), $"every frame buffer's native memory was freed (the pool was trimmed): {pixelDelta} bytes differ");
        Assert.IsLessThanOrEqualTo(4, finalizedDelta, $"every buffer was released, none left to its finalizer: {finalizedDelta} were");
        Assert.AreEqual(0, budget.UsedBytes, "every buffer returned its budget");
        Assert.AreEqual(0, links.GetDisplayLink().SubscriberCount);
        Assert.IsFalse(links.GetDisplayLink().IsRunning);
        Assert.AreEqual(pins, NativeResourceCounters.LivePins);
        Assert.AreEqual(codecs, NativeResourceCounters.LiveCodecs);
        Assert.IsLessThanOrEqualTo(imageKitThreads, ThreadCounter.Count("ImageKit"), "no ImageKit thread is left by the players");

        // Decoding runs on the thread pool, which grows when the machine is busy; its workers are not counted, as none is
        // tied to a player.
        Assert.IsLessThanOrEqualTo(threads + 8, ThreadCounter.CountOutsideThreadPool(), "no thread is left per player");
        Assert.IsLessThan(8L * 1024 * 1024, managedAfter - managedBefore, "managed memory after GC is stable");
        TestContext.WriteLine($"managed after GC: {managedBefore / 1024} KiB -> {managedAfter / 1024} KiB; threads outside the pool {threads} -> {ThreadCounter.CountOutsideThreadPool()}");
    }

    [TestMethod]
    public async Task CreatePlayDispose_OnTheTimerLink_LeavesNoDisplayLinkThread()
    {
        using var links = new TimerDisplayLinkProvider(240);
        var budget = new FrameBudget(256L * 1024 * 1024);
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));
        var threadsBefore = DisplayLinkCounters.LiveTimerThreads;

        for (var i = 0; i < 1_000; i++)
        {
            await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget });
            player.Play();
            if (i % 100 == 0)
            {
                await Task.Delay(10); // let some ticks arrive
            }
        }

        Assert.IsFalse(links.GetDisplayLink().IsRunning, "the link stops with its last subscriber");
        Assert.IsTrue(Leaks.Eventually(() => DisplayLinkCounters.LiveTimerThreads == threadsBefore), "its thread has exited");
        Assert.AreEqual(0, budget.UsedBytes);
    }

    [TestMethod]
    public void Players_DroppedWithoutDispose_OnTheTimerLink_AreCollectedAndTheThreadEnds()
    {
        using var links = new TimerDisplayLinkProvider(240);
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));
        var threadsBefore = DisplayLinkCounters.LiveTimerThreads;
        var weak = StartAndDrop(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links }, 100);
        Assert.IsTrue(links.GetDisplayLink().IsRunning);

        Assert.IsTrue(Leaks.CollectUntil(() => weak.All(w => !w.IsAlive)), "players nobody references are collected");
        Assert.IsTrue(Leaks.Eventually(() => !links.GetDisplayLink().IsRunning), "the link notices on its next tick and stops");
        Assert.IsTrue(Leaks.Eventually(() => DisplayLinkCounters.LiveTimerThreads == threadsBefore), "and its thread exits");
    }

    [TestMethod]
    public void Players_DroppedWithoutDispose_AreCollectedAndTheLinkStops()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        var budget = new FrameBudget(256L * 1024 * 1024);
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));

        var weak = StartAndDrop(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget }, 1_000);
        Assert.AreEqual(1_000, links.GetDisplayLink().SubscriberCount);
        time.Advance(s_period); // the players tick once, with frames in their buffers and decodes in flight

        // Workers of dropped players may still be finishing decodes on the thread pool (a thousand of them on two cores);
        // each buffer is finalized, and its budget returned, once its worker is done.
        // A worker queued before its player died may not have started yet, so the budget must stay at zero once the
        // thread pool has drained, not merely touch zero once.
        for (var settled = 0; settled < 3;)
        {
            var clean = Leaks.CollectUntil(
                () => weak.All(w => !w.IsAlive) && ThreadPool.PendingWorkItemCount == 0 && budget.UsedBytes == 0, within: TimeSpan.FromSeconds(20));
            settled = clean ? settled + 1 : 3;
            Thread.Sleep(50);
        }

        Assert.AreEqual(0, weak.Count(w => w.IsAlive), "players nobody references are collected");
        time.Advance(s_period);
        Assert.AreEqual(0, links.GetDisplayLink().SubscriberCount, "their subscriptions ended");
        Assert.IsFalse(links.GetDisplayLink().IsRunning, "and the shared link stopped");
        Assert.AreEqual(0, budget.UsedBytes, "their budget came back through finalization");
    }

    [TestMethod]
    public void Player_CreatedInsideAnAsyncLocalScope_DoesNotKeepItsValuesAliveWhileItLives()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));
        var local = new AsyncLocal<object?>();

        var (player, weak) = CreateInScope(local, image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        using (player)
        {
            player.Play();
            time.Advance(s_period);

            // A long-lived player (a view's) must not hold what its creator's context happened to carry (a request's
            // state, an Activity, logging scopes) for its whole life, as the project's timers do not.
            Assert.IsTrue(
                Leaks.CollectUntil(() => !weak.IsAlive, within: TimeSpan.FromSeconds(5)),
                "the player's decode worker keeps the creator's AsyncLocal value alive");
        }
    }

    [TestMethod]
    public void Dispose_WhileAFrameDecodesWithAWakeUpQueued_WaitsForThatDecodeOnly()
    {
        // A wake-up queued during the decode (any Play, seek or tick posts one) must not make the stopping worker decode
        // the rest of its window into a buffer about to be released, with Dispose waiting for all of it.
        var (image, source) = TestAnimation.Gated(20);
        using var _ = image;
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = new FrameBudget(1L << 30) });
        Assert.IsTrue(SpinWait.SpinUntil(() => source.IsWaitingFor(0), TimeSpan.FromSeconds(30)), "the worker is held decoding frame 0");
        player.SeekToFrame(0); // a wake-up queued while it decodes

        // On a thread of its own (a busy thread pool must not delay it), and frame 0 let through only once the worker was
        // told to stop: a worker that stops as it should then decodes nothing more.
        var dispose = new Thread(player.Dispose) { IsBackground = true };
        dispose.Start();
        Assert.IsTrue(SpinWait.SpinUntil(() => player.DecodeWorkerStopping, TimeSpan.FromSeconds(30)), "Dispose told the worker to stop");
        source.Allow(0);       // the decode in progress finishes; nothing else may be decoded
        var returned = dispose.Join(TimeSpan.FromSeconds(20));
        var renders = source.Renders;
        source.AllowAll();     // let a worker that went on finish
        dispose.Join();
        Assert.IsTrue(returned, $"Dispose did not return once the decode in progress finished: the worker went on to the next frame (renders so far {renders})");
    }

    [TestMethod]
    public void Dispose_CalledWhileAnotherIsUnderWay_ReturnsOnlyOnceThatOneReleasedTheFrames()
    {
        var (image, source) = TestAnimation.Gated(6);
        using var _ = image;
        var budget = new FrameBudget(1L << 30);
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget });
        source.Allow(0);
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount >= 1, TimeSpan.FromSeconds(10)), "frame 0 is buffered");
        Thread.Sleep(200); // the worker is now held decoding frame 1

        var first = Task.Run(player.Dispose, TestContext.CancellationToken); // waits for the decode in progress
        Thread.Sleep(200);
        var usedWhenSecondReturned = -1L;
        var bufferedWhenSecondReturned = -1;
        var second = Task.Run(
            () =>
            {
                player.Dispose(); // the app's own Dispose, on another thread
                usedWhenSecondReturned = budget.UsedBytes;
                bufferedWhenSecondReturned = player.BufferedFrameCount;
            },
            TestContext.CancellationToken);
        second.Wait(TimeSpan.FromMilliseconds(300), TestContext.CancellationToken); // a wrong Dispose returns meanwhile

        source.AllowAll();
        Assert.IsTrue(first.Wait(TimeSpan.FromSeconds(30), TestContext.CancellationToken), "hang guard: the first Dispose");
        Assert.IsTrue(second.Wait(TimeSpan.FromSeconds(30), TestContext.CancellationToken), "hang guard: the second Dispose");
        Assert.AreEqual(0L, usedWhenSecondReturned, $"the second Dispose returned with {bufferedWhenSecondReturned} frame(s) still buffered and {usedWhenSecondReturned} budget bytes charged");
    }

    private static async Task RunCyclesAsync(AnimatedImage image, AnimatedImagePlayerOptions options, FakeTimeProvider time, int cycles)
    {
        for (var i = 0; i < cycles; i++)
        {
            var player = new AnimatedImagePlayer(image, options);
            player.Play();
            time.Advance(s_period);
            if (i % 2 == 0)
            {
                player.Dispose();
            }
            else
            {
                await player.DisposeAsync();
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] StartAndDrop(AnimatedImage image, AnimatedImagePlayerOptions options, int count)
    {
        var weak = new WeakReference[count];
        for (var i = 0; i < count; i++)
        {
            var player = new AnimatedImagePlayer(image, options);
            player.Play();
            weak[i] = new WeakReference(player);
        }

        return weak;
    }

    // Creates the player with an AsyncLocal value set in a context of its own, which the caller's context never sees.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (AnimatedImagePlayer Player, WeakReference Value) CreateInScope(
        AsyncLocal<object?> local, AnimatedImage image, AnimatedImagePlayerOptions options)
    {
        AnimatedImagePlayer? player = null;
        WeakReference? weak = null;
        ExecutionContext.Run(
            ExecutionContext.Capture()!,
            _ =>
            {
                var value = new byte[1024];
                local.Value = value;
                weak = new WeakReference(value);
                player = new AnimatedImagePlayer(image, options);
            },
            null);
        return (player!, weak!);
    }

    private static long ManagedBytesAfterGc()
    {
        PixelBufferPool.Shared.Trim();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
