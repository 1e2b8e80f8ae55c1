using ImageKit.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Internal;

/// <summary>The machine-wide CPU times that tell background work whether the cores are idle for every process.</summary>
[TestClass]
public sealed class SystemCpuTimesTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ParseProcStatCpuLine_CurrentKernel_IdleIsIdlePlusIowaitAndTotalLeavesGuestOut()
    {
        // user nice system idle iowait irq softirq steal guest guest_nice; guest time is inside user and nice already.
        var sample = SystemCpuTimes.ParseProcStatCpuLine("cpu  4705 356 584 3699176 23060 10 277 5 900 40\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n");

        Assert.AreEqual(new SystemCpuSample(Idle: 3699176 + 23060, Total: 4705 + 356 + 584 + 3699176 + 23060 + 10 + 277 + 5), sample);
    }

    [TestMethod]
    public void ParseProcStatCpuLine_OldKernelWithFourFields_CountsThem()
    {
        Assert.AreEqual(new SystemCpuSample(Idle: 85, Total: 100), SystemCpuTimes.ParseProcStatCpuLine("cpu 10 0 5 85\n"));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("cpu0 1 2 3 4 5 6 7 8\n")]
    [DataRow("intr 1 2 3\n")]
    [DataRow("cpu 1 2 3\n")]
    [DataRow("cpu 1 2 x 4 5\n")]
    [DataRow("cpu -1 2 3 4 5\n")]
    public void ParseProcStatCpuLine_NotAnAggregateCpuLine_IsNull(string text)
    {
        Assert.IsNull(SystemCpuTimes.ParseProcStatCpuLine(text));
    }

    [TestMethod]
    public void IdleShare_IsTheIdlePartOfTheTimeBetweenTwoSamples()
    {
        Assert.AreEqual(0.25, SystemCpuTimes.IdleShare(new SystemCpuSample(100, 1_000), new SystemCpuSample(125, 1_100)));
    }

    [TestMethod]
    public void IdleShare_CounterThatWentBackOrStoodStillOrAMissingSample_IsNull()
    {
        Assert.IsNull(SystemCpuTimes.IdleShare(new SystemCpuSample(100, 1_000), new SystemCpuSample(50, 900)), "wrapped");
        Assert.IsNull(SystemCpuTimes.IdleShare(new SystemCpuSample(100, 1_000), new SystemCpuSample(90, 1_100)), "idle went back");
        Assert.IsNull(SystemCpuTimes.IdleShare(new SystemCpuSample(100, 1_000), new SystemCpuSample(100, 1_000)), "no time passed");
        Assert.IsNull(SystemCpuTimes.IdleShare(null, new SystemCpuSample(100, 1_000)));
        Assert.IsNull(SystemCpuTimes.IdleShare(new SystemCpuSample(100, 1_000), null));
    }

    [TestMethod]
    public void ReadProcStat_AFileInProcStatFormat_ReadsItsFirstLine()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("stat");
        File.WriteAllText(path, "cpu  10 0 10 70 10 0 0 0 0 0\n" + string.Concat(Enumerable.Repeat("intr " + string.Join(' ', Enumerable.Range(0, 200)) + "\n", 5)));

        Assert.AreEqual(new SystemCpuSample(80, 100), SystemCpuTimes.ReadProcStat(path));
    }

    /// <summary>A process held to some CPUs (taskset, a container's cpuset) counts only their lines.</summary>
    [TestMethod]
    public void ReadProcStat_AllowedCpus_AddsUpOnlyTheirLines()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("stat");
        File.WriteAllText(path,
            "cpu  400 0 0 400 0 0 0 0 0 0\n" +
            "cpu0 100 0 0 0 0 0 0 0 0 0\n" +   // busy
            "cpu1 10 0 10 70 10 0 0 0 0 0\n" + // 80 % idle
            "cpu2 100 0 0 0 0 0 0 0 0 0\n" +
            "cpu3 0 0 0 100 0 0 0 0 0 0\n" +   // idle
            "intr 1 2 3\n");
        var allowed = SystemCpuTimes.ParseCpuList("1,3")!;

        Assert.AreEqual(new SystemCpuSample(180, 200), SystemCpuTimes.ReadProcStat(path, allowed));
        Assert.IsNull(SystemCpuTimes.ReadProcStat(path, SystemCpuTimes.ParseCpuList("7")!), "no line of an allowed CPU");
    }

    [TestMethod]
    public void ParseCpuList_RangesAndSingleCpus_AreAllowedAndNothingElse()
    {
        var allowed = SystemCpuTimes.ParseCpuList("0-2,5,7-8");

        Assert.IsNotNull(allowed);
        CollectionAssert.AreEqual(new[] { true, true, true, false, false, true, false, true, true }, allowed);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("a")]
    [DataRow("3-1")]
    [DataRow("0-")]
    [DataRow("1,,2")]
    [DataRow("99999999")]
    public void ParseCpuList_Malformed_IsNull(string list) => Assert.IsNull(SystemCpuTimes.ParseCpuList(list));

    /// <summary>Only a process held to fewer CPUs than the machine lists gets a CPU set; otherwise the aggregate line is read.</summary>
    [TestMethod]
    [DataRow("0-3", false)]
    [DataRow("0-7", false)]
    [DataRow("1,3", true)]
    [DataRow("0-2", true)]
    public void AllowedCpus_FromTheStatusFile_OnlyWhenFewerThanTheMachinesCpus(string list, bool restricted)
    {
        using var folder = new TempFolder();
        var status = folder.Combine("status");
        var stat = folder.Combine("stat");
        File.WriteAllText(status, $"Name:\tdotnet\nCpus_allowed:\tf\nCpus_allowed_list:\t{list}\nMems_allowed_list:\t0\n");
        File.WriteAllText(stat, "cpu  1 0 0 1 0 0 0 0 0 0\n" + string.Concat(Enumerable.Range(0, 4).Select(i => $"cpu{i} 1 0 0 1 0 0 0 0 0 0\n")) + "intr 1\n");

        var allowed = SystemCpuTimes.AllowedCpus(status, stat);

        Assert.AreEqual(restricted, allowed is not null);
    }

    [TestMethod]
    public void AllowedCpus_StatusWithoutTheFieldOrMissing_IsNull()
    {
        using var folder = new TempFolder();
        var status = folder.Combine("status");
        File.WriteAllText(status, "Name:\tdotnet\n");

        Assert.IsNull(SystemCpuTimes.AllowedCpus(status, "/proc/stat"));
        Assert.IsNull(SystemCpuTimes.AllowedCpus(folder.Combine("none"), "/proc/stat"));
    }

    [TestMethod]
    public void ReadProcStat_MissingFile_IsNull()
    {
        using var folder = new TempFolder();

        Assert.IsNull(SystemCpuTimes.ReadProcStat(folder.Combine("no-such-stat")));
    }

    /// <summary>On Linux the reader reads the real <c>/proc/stat</c>: the machine's times go forward and idle stays within the total.</summary>
    [TestMethod]
    [OSCondition(OperatingSystems.Linux)]
    public async Task Reader_OnLinux_ReadsTheMachinesTimesGoingForward()
    {
        var read = SystemCpuTimes.Reader();

        var first = read();
        await Task.Delay(60, TestContext.CancellationToken);

        var second = read();
        Assert.IsNotNull(first);
        Assert.IsNotNull(second);
        Assert.IsLessThanOrEqualTo(first.Value.Total, first.Value.Idle);
        Assert.IsLessThanOrEqualTo(second.Value.Total, second.Value.Idle);
        Assert.IsGreaterThan(first.Value.Total, second.Value.Total, "60 ms passed on every core");
        Assert.IsNotNull(SystemCpuTimes.IdleShare(first, second));
    }
}
