using ImageKit.Internal;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Internal;

/// <summary>Background disk stores yield to loads, but never for ever and never when someone waits for them.</summary>
[TestClass]
public sealed class BackgroundStoresTests
{
    private static readonly TimeSpan s_notYet = TimeSpan.FromMilliseconds(150);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TryStart_WhileALoadIsInFlightAndTheCpuIsBusy_RunsOnlyOnceLoadingPauses()
    {
        var time = new FakeTimeProvider();
        using var loads = BusyCpuLoads(time, InFlightLoads.DefaultSettleTime);
        var stores = new BackgroundStores(loads);
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        loads.Started();
        var store = stores.TryStart(() => { ran.TrySetResult(); return Task.CompletedTask; }, 1_000, inline: true, out _)!;
        time.Advance(InFlightLoads.MaxDeferral - TimeSpan.FromMilliseconds(1)); // every CPU sample until just before the deadline
        await Task.Delay(s_notYet, TestContext.CancellationToken);
        Assert.IsFalse(ran.Task.IsCompleted, "the store ran while a load was in flight");

        loads.Ended();
        time.Advance(InFlightLoads.DefaultSettleTime);
        await store.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.IsTrue(ran.Task.IsCompleted);
    }

    [TestMethod]
    public async Task TryStart_LoadsStartingAndEndingBackToBack_WaitsUntilTheyStop()
    {
        var time = new FakeTimeProvider();
        var settleTime = TimeSpan.FromMilliseconds(100);
        using var loads = BusyCpuLoads(time, settleTime);
        var stores = new BackgroundStores(loads);
        var ran = false;

        loads.Started();
        var store = stores.TryStart(() => { Volatile.Write(ref ran, true); return Task.CompletedTask; }, 1_000, inline: true, out _)!;
        for (var i = 0; i < 10; i++)
        {
            // Gaps shorter than the settle time: loading has not paused.
            loads.Ended();
            time.Advance(settleTime - TimeSpan.FromMilliseconds(1));
            loads.Started();
            time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Yield();
            Assert.IsFalse(Volatile.Read(ref ran), $"the store ran in gap {i}");
        }

        loads.Ended();
        time.Advance(settleTime);
        await store.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.IsTrue(Volatile.Read(ref ran));
    }

    [TestMethod]
    public async Task WhenIdleAsync_WithALoadInFlight_RunsTheDeferredStoresNow()
    {
        // Virtual time and a busy CPU: nothing but WhenIdleAsync can release the stores.
        using var loads = BusyCpuLoads(new FakeTimeProvider(), InFlightLoads.DefaultSettleTime);
        var stores = new BackgroundStores(loads);
        var count = 0;

        loads.Started();
        for (var i = 0; i < 3; i++)
        {
            _ = stores.TryStart(() => { Interlocked.Increment(ref count); return Task.CompletedTask; }, 1_000, inline: i % 2 == 0, out _);
        }

        await stores.WhenIdleAsync(TestContext.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.AreEqual(3, Volatile.Read(ref count));
        loads.Ended();
    }

    [TestMethod]
    public async Task TryStart_MoreBytesWaitingThanTheDeferralLimit_RunsWithoutWaitingForLoadsToPause()
    {
        using var loads = BusyCpuLoads(new FakeTimeProvider(), InFlightLoads.DefaultSettleTime);
        var stores = new BackgroundStores(loads);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        loads.Started();
        var small = stores.TryStart(() => gate.Task, 1_000, inline: true, out _)!;
        var large = stores.TryStart(() => Task.CompletedTask, 17L * 1024 * 1024, inline: false, out _)!;
        await large.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        gate.SetResult();
        await small.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.AreEqual(0, stores.PendingBytes);
        loads.Ended();
    }

    [TestMethod]
    public async Task TryStart_OverTheDeferralLimit_RunsOnlyTheOldestStoresAndTheRestWaitForThePause()
    {
        const long MiB = 1024 * 1024;
        var time = new FakeTimeProvider();
        using var loads = BusyCpuLoads(time, InFlightLoads.DefaultSettleTime);
        var stores = new BackgroundStores(loads);
        var ran = new bool[6];
        Task Store(int i)
        {
            Volatile.Write(ref ran[i], true);
            return Task.CompletedTask;
        }

        loads.Started();

        // 3 + 3 + 3 + 3 + 3 MiB wait; the sixth store (2 MiB) puts 17 MiB over the 16 MiB limit: the oldest ones run until
        // at most 15 MiB waits, which takes the first only (14 MiB left).
        var tasks = Enumerable.Range(0, 5).Select(i => stores.TryStart(() => Store(i), 3 * MiB, inline: true, out _)!).ToList();
        tasks.Add(stores.TryStart(() => Store(5), 2 * MiB, inline: true, out _)!);
        await tasks[0].WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        time.Advance(InFlightLoads.MaxDeferral - TimeSpan.FromMilliseconds(1));
        await Task.Delay(s_notYet, TestContext.CancellationToken);
        CollectionAssert.AreEqual(new[] { true, false, false, false, false, false }, ran.Select(r => Volatile.Read(ref r)).ToArray());

        loads.Ended();
        time.Advance(InFlightLoads.DefaultSettleTime);
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.IsTrue(ran.All(r => r));
        Assert.AreEqual(0, stores.PendingBytes);
    }

    [TestMethod]
    public async Task TryStart_OverTheBackPressureLimit_RunsTheStoreTheLoadWaitsForAtOnce()
    {
        // Virtual time: the 2 s deadline never comes unless the test advances it, so "ran without waiting for it" needs no
        // real-time race (a 1 s window, which a loaded machine could miss).
        using var loads = BusyCpuLoads(new FakeTimeProvider(), InFlightLoads.DefaultSettleTime);
        var stores = new BackgroundStores(loads);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        loads.Started();
        var first = stores.TryStart(() => gate.Task, 17 * 1024 * 1024L, inline: false, out _)!;       // released (17 > 16 MiB), holds the file slot
        var second = stores.TryStart(() => Task.CompletedTask, 48 * 1024 * 1024L, inline: false, out _)!; // released, queued on the file slot
        var own = stores.TryStart(() => Task.CompletedTask, 100_000, inline: true, out var mustWait)!;
        Assert.IsTrue(mustWait, "the load that started 'own' must wait for it (back-pressure)");

        var ranSoon = await Task.WhenAny(own, Task.Delay(TimeSpan.FromSeconds(10), TestContext.CancellationToken)) == own;

        gate.SetResult();
        loads.Ended();
        await Task.WhenAll(first, second, own).WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.IsTrue(ranSoon, "the store a back-pressured load awaits waited for the 2 s deadline (which never comes in virtual time) although an inline slot was free");
    }


    [TestMethod]
    public async Task TryStart_LoadsThatNeverPause_StillRunsAfterTheLongestDeferral()
    {
        var time = new FakeTimeProvider();
        using var loads = BusyCpuLoads(time, InFlightLoads.DefaultSettleTime);
        var stores = new BackgroundStores(loads);

        loads.Started();
        var store = stores.TryStart(() => Task.CompletedTask, 1_000, inline: true, out _)!;
        time.Advance(InFlightLoads.MaxDeferral - TimeSpan.FromMilliseconds(1));
        await Task.Delay(s_notYet, TestContext.CancellationToken);
        Assert.IsFalse(store.IsCompleted, "the store ran before the deadline while loads kept the CPU busy");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await store.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.AreEqual(0, stores.Failures);
        loads.Ended();
    }

    [TestMethod]
    public async Task CloseAsync_WithALoadInFlight_RunsTheDeferredStoresAndRefusesNewOnes()
    {
        using var loads = BusyCpuLoads(new FakeTimeProvider(), InFlightLoads.DefaultSettleTime);
        var stores = new BackgroundStores(loads);
        var ran = 0;

        loads.Started();
        _ = stores.TryStart(() => { Interlocked.Increment(ref ran); return Task.CompletedTask; }, 1_000, inline: true, out _);
        await stores.CloseAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.AreEqual(1, Volatile.Read(ref ran));
        Assert.IsNull(stores.TryStart(() => Task.CompletedTask, 1, inline: true, out _));
        loads.Ended();
    }

    /// <summary>Loads that wait on the network leave the CPU idle: what waits for a pause runs after one CPU sample.</summary>
    [TestMethod]
    public async Task InFlightLoads_LoadsInFlightLeavingTheCpuIdle_ReleaseWhatWaitsAfterOneSample()
    {
        var time = new FakeTimeProvider();
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => TimeSpan.FromMilliseconds(7), availableCores: 2);

        loads.Started();
        var waiting = loads.WhenPausedAsync();
        Assert.IsFalse(waiting.IsCompleted, "a load is in flight");
        time.Advance(InFlightLoads.HeadroomInterval);

        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.AreEqual(1, loads.HeadroomReleases);
        Assert.IsFalse(loads.WhenPausedAsync().IsCompleted, "work deferred after the release waits for the next sample");
        loads.Ended();
    }

    /// <summary>Loads that keep every core busy (decoding) hold background work back until the deadline.</summary>
    [TestMethod]
    public async Task InFlightLoads_LoadsInFlightKeepingEveryCoreBusy_HoldWorkUntilTheDeadline()
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => time.GetElapsedTime(start) * 2 * 0.8, availableCores: 2);

        loads.Started();
        var waiting = loads.WhenPausedAsync();
        while (time.GetElapsedTime(start) + InFlightLoads.HeadroomInterval < InFlightLoads.MaxDeferral)
        {
            time.Advance(InFlightLoads.HeadroomInterval);
            Assert.IsFalse(waiting.IsCompleted, $"released at {time.GetElapsedTime(start).TotalMilliseconds} ms with 1.6 of 2 cores busy");
        }

        time.Advance(InFlightLoads.HeadroomInterval);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.AreEqual(0, loads.HeadroomReleases);
        loads.Ended();
    }

    [TestMethod]
    public async Task TryStart_WhileALoadIsInFlightButTheCpuIsIdle_RunsAfterACpuSample()
    {
        var time = new FakeTimeProvider();
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => TimeSpan.Zero, availableCores: 2);
        var stores = new BackgroundStores(loads);
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        loads.Started();
        var store = stores.TryStart(() => { ran.TrySetResult(); return Task.CompletedTask; }, 1_000, inline: true, out _)!;
        await Task.Delay(s_notYet, TestContext.CancellationToken);
        Assert.IsFalse(ran.Task.IsCompleted, "no sample yet");
        time.Advance(InFlightLoads.HeadroomInterval);

        await store.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.IsTrue(ran.Task.IsCompleted);
        loads.Ended();
    }

    [TestMethod]
    public async Task InFlightLoads_LoadsStartingAndEndingAfterDispose_AreCountedWithoutThrowingAndNothingWaits()
    {
        var loads = new InFlightLoads();
        loads.Started();
        var waiting = loads.WhenPausedAsync();
        loads.Dispose();

        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        loads.Ended();
        loads.Started();
        loads.Ended();
        await loads.WhenPausedAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
    }

    /// <summary>
    /// <see cref="InFlightLoads.Hurry"/> (the 2 s deadline, or <c>WaitForDiskStoresAsync</c>) at the moment a CPU sample
    /// releases the waiting work: whichever comes first, the work deferred afterwards must flow. Hurry read the current
    /// waiters under the lock and completed them after leaving it; a sample that took the lock in between released the
    /// same waiters and put new ones in their place, which then waited with the deadline already spent (until loading
    /// paused, however long: the deadline is armed only when loading starts from a pause). The race is a few instructions
    /// wide, so the test puts the Hurry inside the sample, through the CPU clock the sample reads: the same order of
    /// events (the sample decides to release after the Hurry), deterministically.
    /// </summary>
    [TestMethod]
    public void InFlightLoads_HurryWhileACpuSampleReleasesTheWaiters_LeavesNothingWaiting()
    {
        var time = new FakeTimeProvider();
        InFlightLoads? loads = null;
        var hurryDuringTheSample = false;
        using var created = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () =>
        {
            if (hurryDuringTheSample)
            {
                hurryDuringTheSample = false;
                loads!.Hurry();
            }

            return TimeSpan.Zero; // an idle CPU: the sample releases what waits
        }, availableCores: 2);
        loads = created;

        loads.Started();
        Assert.IsFalse(loads.WhenPausedAsync().IsCompleted, "a load is in flight");
        hurryDuringTheSample = true;
        time.Advance(InFlightLoads.HeadroomInterval);

        Assert.IsFalse(hurryDuringTheSample, "the sample ran");
        Assert.IsTrue(loads.WhenPausedAsync().IsCompleted, "hurried, and yet work deferred now waits for loading to pause");
        loads.Ended();
    }

    /// <summary>
    /// An idle manager must not keep a timer ticking: once loading has paused (or was hurried), the CPU sampling stops
    /// after at most the one sample that notices. A guard: this holds for the code as it is.
    /// </summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void InFlightLoads_LoadingPausedOrHurried_StopsSamplingTheCpu(bool hurried)
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        var samples = 0;
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () =>
        {
            samples++;
            return time.GetElapsedTime(start) * 2; // both cores busy: no sample releases anything
        }, availableCores: 2);

        loads.Started();
        time.Advance(InFlightLoads.HeadroomInterval * 3);
        Assert.IsGreaterThanOrEqualTo(3, samples - 1, "sampled while loads were in flight");
        if (hurried)
        {
            loads.Hurry();
        }

        loads.Ended();
        time.Advance(InFlightLoads.DefaultSettleTime);
        Assert.IsTrue(loads.WhenPausedAsync().IsCompleted);
        var before = samples;
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.IsLessThanOrEqualTo(before + 1, samples, "the CPU is still sampled while nothing is loading");
    }

    /// <summary>
    /// One core: half of it idle over a sample releases what waits; less does not. Half a core (a container's quota, which
    /// Environment.ProcessorCount calls 1): a quarter of a core idle is enough, and loads using 0.4 of it hold the work.
    /// </summary>
    [TestMethod]
    [DataRow(1.0, 0.4, true)]
    [DataRow(1.0, 0.6, false)]
    [DataRow(0.5, 0.1, true)]
    [DataRow(0.5, 0.4, false)]
    public async Task InFlightLoads_ReleasesOnlyWithEnoughOfTheAvailableCoresIdle(double availableCores, double busyCores, bool released)
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => time.GetElapsedTime(start) * busyCores, availableCores);

        loads.Started();
        var waiting = loads.WhenPausedAsync();
        time.Advance(InFlightLoads.HeadroomInterval);

        Assert.AreEqual(released, waiting.IsCompleted, $"{busyCores} of {availableCores} cores busy");
        Assert.AreEqual(released ? 1 : 0, loads.HeadroomReleases);
        loads.Ended();
        time.Advance(InFlightLoads.DefaultSettleTime);
        await loads.WhenPausedAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
    }

    /// <summary>Virtual time (a loaded machine cannot push a real deadline past the test's "not yet"), and a CPU clock that says both of two cores were busy all along (loads decoding).</summary>
    private static InFlightLoads BusyCpuLoads(FakeTimeProvider time, TimeSpan settleTime)
    {
        var start = time.GetTimestamp();
        return new InFlightLoads(settleTime, time, () => time.GetElapsedTime(start) * 2, availableCores: 2);
    }
}
