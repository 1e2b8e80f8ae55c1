using ImageKit.Internal;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Internal;

/// <summary>
/// Background work runs early only when the CPU is idle for the machine too: a process whose loads wait on a server that
/// runs on the same machine (or beside a build) leaves its own share idle while the cores are busy.
/// </summary>
[TestClass]
public sealed class InFlightLoadsMachineCpuTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task InFlightLoads_ProcessIdleButTheMachineBusy_HoldsWorkUntilTheDeadline()
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        var machine = new FakeMachineCpu(time, idleShare: 0.1);
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => TimeSpan.Zero, availableCores: 2, machine.Read);

        loads.Started();
        var waiting = loads.WhenPausedAsync();
        while (time.GetElapsedTime(start) + InFlightLoads.HeadroomInterval < InFlightLoads.MaxDeferral)
        {
            time.Advance(InFlightLoads.HeadroomInterval);
            Assert.IsFalse(waiting.IsCompleted, $"released at {time.GetElapsedTime(start).TotalMilliseconds} ms with the machine 90 % busy");
        }

        time.Advance(InFlightLoads.HeadroomInterval);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.AreEqual(0, loads.HeadroomReleases);
        loads.Ended();
    }

    /// <summary>The machine's idle share counts in the cores the process may use: half a core idle of those releases.</summary>
    [TestMethod]
    [DataRow(2.0, 0.3, true)]   // 0.6 of 2 cores idle
    [DataRow(2.0, 0.2, false)]  // 0.4 of 2 cores idle
    [DataRow(1.0, 0.6, true)]
    [DataRow(1.0, 0.4, false)]
    [DataRow(0.5, 0.6, true)]   // half a core of quota: a quarter of a core idle is enough
    [DataRow(0.5, 0.4, false)]
    public void InFlightLoads_ProcessIdle_ReleasesOnlyWithEnoughOfTheMachineIdle(double availableCores, double machineIdleShare, bool released)
    {
        var time = new FakeTimeProvider();
        var machine = new FakeMachineCpu(time, machineIdleShare);
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => TimeSpan.Zero, availableCores, machine.Read);

        loads.Started();
        var waiting = loads.WhenPausedAsync();
        time.Advance(InFlightLoads.HeadroomInterval);

        Assert.AreEqual(released, waiting.IsCompleted, $"machine {machineIdleShare:P0} idle, {availableCores} cores available");
        Assert.AreEqual(released ? 1 : 0, loads.HeadroomReleases);
        loads.Ended();
    }

    /// <summary>An idle machine does not release work the process's own loads keep the CPU busy for.</summary>
    [TestMethod]
    public void InFlightLoads_MachineIdleButTheProcessBusy_HoldsWork()
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        var machine = new FakeMachineCpu(time, idleShare: 0.9);
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => time.GetElapsedTime(start) * 1.8, availableCores: 2, machine.Read);

        loads.Started();
        var waiting = loads.WhenPausedAsync();
        time.Advance(InFlightLoads.HeadroomInterval * 3);

        Assert.IsFalse(waiting.IsCompleted);
        Assert.AreEqual(0, loads.HeadroomReleases);
        loads.Ended();
    }

    /// <summary>Where the machine's CPU times cannot be read, or a counter went back, the process's own idle time decides.</summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void InFlightLoads_MachineCpuUnknown_GoesByTheProcessAlone(bool counterWentBack)
    {
        var time = new FakeTimeProvider();
        var reads = 0;
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => TimeSpan.Zero, availableCores: 2, () =>
        {
            reads++;
            // Busy whenever it can be read: a release can only come from the process rule.
            return counterWentBack ? new SystemCpuSample(Idle: 0, Total: (ulong)(1_000 - reads)) : null;
        });

        loads.Started();
        var waiting = loads.WhenPausedAsync();
        time.Advance(InFlightLoads.HeadroomInterval);

        Assert.IsTrue(waiting.IsCompleted);
        Assert.AreEqual(1, loads.HeadroomReleases);
        loads.Ended();
    }

    /// <summary>
    /// macOS answers <c>host_statistics</c> for ordinary apps only a few times a second and repeats its last answer in
    /// between: a repeated sample is no news, not an unknown machine, so a busy machine still holds work back.
    /// </summary>
    [TestMethod]
    public async Task InFlightLoads_MachineBusyButItsTimesRepeatBetweenRealAnswers_HoldsWorkUntilTheDeadline()
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        var machine = new FakeMachineCpu(time, idleShare: 0.05, realAnswerEvery: TimeSpan.FromMilliseconds(500));
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => TimeSpan.Zero, availableCores: 2, machine.Read);

        loads.Started();
        var waiting = loads.WhenPausedAsync();
        while (time.GetElapsedTime(start) + InFlightLoads.HeadroomInterval < InFlightLoads.MaxDeferral)
        {
            time.Advance(InFlightLoads.HeadroomInterval);
            Assert.IsFalse(waiting.IsCompleted, $"released at {time.GetElapsedTime(start).TotalMilliseconds} ms with the machine 95 % busy");
        }

        time.Advance(InFlightLoads.HeadroomInterval);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.AreEqual(0, loads.HeadroomReleases);
        loads.Ended();
    }

    /// <summary>Between real answers the last real sample stays the baseline, so an idle machine releases at the next one.</summary>
    [TestMethod]
    public void InFlightLoads_MachineIdleAndItsTimesRepeatBetweenRealAnswers_ReleasesAtTheNextRealAnswer()
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        var machine = new FakeMachineCpu(time, idleShare: 0.9, realAnswerEvery: TimeSpan.FromMilliseconds(500));
        using var loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => TimeSpan.Zero, availableCores: 2, machine.Read);

        loads.Started();
        var waiting = loads.WhenPausedAsync();
        while (!waiting.IsCompleted && time.GetElapsedTime(start) < InFlightLoads.MaxDeferral)
        {
            time.Advance(InFlightLoads.HeadroomInterval);
        }

        Assert.IsTrue(waiting.IsCompleted);
        Assert.AreEqual(1, loads.HeadroomReleases);
        Assert.AreEqual(500, time.GetElapsedTime(start).TotalMilliseconds, "released at the first new answer, not before it");
        loads.Ended();
    }

    /// <summary>What a manager creates reads the machine's CPU times where the OS gives them (here: Linux's /proc/stat).</summary>
    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    public void InFlightLoads_CreatedWithDefaults_ReadsTheMachinesCpuTimes()
    {
        using var loads = new InFlightLoads();

        Assert.IsTrue(loads.ReadsMachineCpu);
    }

    /// <summary>
    /// Reading the machine's CPU times is file I/O on Linux (<c>/proc/stat</c>) and a Mach call on macOS: it happens
    /// outside the lock that every load's start and end take, for the first load of a burst and for every sample.
    /// </summary>
    [TestMethod]
    public void InFlightLoads_ReadsTheMachineCpuWithoutHoldingTheLockLoadsTake()
    {
        var time = new FakeTimeProvider();
        var machine = new FakeMachineCpu(time, idleShare: 0.9);
        InFlightLoads? loads = null;
        var reads = 0;
        var readsUnderLock = 0;
        SystemCpuSample? Read()
        {
            reads++;

            // Another thread takes the lock: with the lock held here it would wait until this read returned.
            if (!Task.Run(() => { _ = loads!.WhenPausedAsync(); }).Wait(TimeSpan.FromSeconds(2)))
            {
                readsUnderLock++;
            }

            return machine.Read();
        }

        using (loads = new InFlightLoads(InFlightLoads.DefaultSettleTime, time, () => TimeSpan.Zero, availableCores: 2, Read))
        {
            loads.Started();
            var waiting = loads.WhenPausedAsync();
            time.Advance(InFlightLoads.HeadroomInterval);

            Assert.IsTrue(waiting.IsCompleted, "the sample still releases the waiting work");
            Assert.AreEqual(2, reads, "one baseline, one sample");
            Assert.AreEqual(0, readsUnderLock);
            loads.Ended();
        }
    }

    /// <summary>
    /// A machine whose cores spend <paramref name="idleShare"/> of their time idle, in 10 ms ticks per core as Linux counts.
    /// With <paramref name="realAnswerEvery"/>, it answers anew only that often and repeats its last answer in between,
    /// as macOS rate-limits <c>host_statistics</c>.
    /// </summary>
    private sealed class FakeMachineCpu(FakeTimeProvider time, double idleShare, TimeSpan realAnswerEvery = default)
    {
        private const int Cores = 2;
        private readonly long _start = time.GetTimestamp();
        private SystemCpuSample? _last;
        private TimeSpan _lastAt;

        public SystemCpuSample? Read()
        {
            var elapsed = time.GetElapsedTime(_start);
            if (_last is not null && elapsed - _lastAt < realAnswerEvery)
            {
                return _last;
            }

            var ticks = (ulong)(elapsed.TotalMilliseconds / 10 * Cores);
            (_last, _lastAt) = (new SystemCpuSample((ulong)(ticks * idleShare), ticks), elapsed);
            return _last;
        }
    }
}
