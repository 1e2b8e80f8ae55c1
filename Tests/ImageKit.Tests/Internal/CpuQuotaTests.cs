using ImageKit.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Internal;

/// <summary>The fractional CPU quota read from a cgroup file system laid out in a temporary folder.</summary>
[TestClass]
public sealed class CpuQuotaTests
{
    [TestMethod]
    [DataRow("50000 100000", 0.5)]
    [DataRow("150000 100000\n", 1.5)]
    [DataRow("max 100000", 2.0)]
    [DataRow("800000 100000", 2.0)] // a quota above the cores the machine has
    [DataRow("garbage", 2.0)]
    [DataRow("-5 100000", 2.0)]
    public void AvailableCores_CgroupV2CpuMax_IsTheQuotaWithinTheProcessorCount(string cpuMax, double expected)
    {
        using var root = new TempFolder();
        File.WriteAllText(root.Combine("cpu.max"), cpuMax);

        Assert.AreEqual(expected, CpuQuota.AvailableCores(processorCount: 2, root.Path));
    }

    [TestMethod]
    [DataRow("cpu", "25000", "100000", 0.25)]
    [DataRow("cpu,cpuacct", "150000", "100000", 1.5)]
    [DataRow("cpu", "-1", "100000", 4.0)]
    public void AvailableCores_CgroupV1Quota_IsQuotaOverPeriod(string folder, string quota, string period, double expected)
    {
        using var root = new TempFolder();
        Directory.CreateDirectory(root.Combine(folder));
        File.WriteAllText(root.Combine(folder, "cpu.cfs_quota_us"), quota + "\n");
        File.WriteAllText(root.Combine(folder, "cpu.cfs_period_us"), period + "\n");

        Assert.AreEqual(expected, CpuQuota.AvailableCores(processorCount: 4, root.Path));
    }

    [TestMethod]
    public void AvailableCores_NoCgroupFiles_IsTheProcessorCount()
    {
        using var root = new TempFolder();

        Assert.AreEqual(3.0, CpuQuota.AvailableCores(processorCount: 3, root.Path));
        Assert.AreEqual(3.0, CpuQuota.AvailableCores(processorCount: 3, cgroupRoot: null));
    }

    [TestMethod]
    public void AvailableCores_ThisProcess_IsAtMostTheProcessorCountAndAboveZero()
    {
        var cores = CpuQuota.AvailableCores();

        Assert.IsGreaterThan(0.0, cores);
        Assert.IsLessThanOrEqualTo(Environment.ProcessorCount, cores);
    }
}
