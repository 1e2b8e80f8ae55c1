using System.Diagnostics.Metrics;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Logging;

namespace ImageKit.Tests.Pipeline;

/// <summary>The owning constructor releases what it opened when a later step fails.</summary>
[TestClass]
public sealed class ImageManagerConstructionTests
{
    [TestMethod]
    [DataRow("logger")]
    [DataRow("meter")]
    public void Constructor_AppFactoryThrowsAfterTheCacheIsOpen_ClosesTheDiskCacheItOpened(string failing)
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("open files are counted through /proc/self/fd");
        }

        using var folder = new TempFolder();
        var options = failing == "logger"
            ? new ImageManagerOptions { LoggerFactory = new ThrowingLoggerFactory() }
            : new ImageManagerOptions { MeterFactory = new ThrowingMeterFactory() };
        var cacheOptions = new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } };

        var thrown = Assert.ThrowsExactly<InvalidOperationException>(() => new ImageManager(cacheOptions, downloaderOptions: null, options));

        Assert.AreEqual("app factory failed", thrown.Message, "the application's exception, unwrapped");
        Assert.AreEqual(0, Leaks.OpenFilesUnder(folder.Path), "the index and its WAL were closed before the constructor threw");
    }

    private sealed class ThrowingMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => throw new InvalidOperationException("app factory failed");

        public void Dispose()
        {
        }
    }
}
