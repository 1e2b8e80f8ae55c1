using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A cache folder this process cannot create files in (another user's cache, a read-only volume): the index in WAL mode
/// needs its -wal and -shm files beside it even to be read, and the cache commands say so, as fetch does.
/// </summary>
[TestClass]
public sealed class CacheCommandUnwritableFolderTests
{
    public TestContext TestContext { get; set; } = null!;

    // The line was SQLite's own: "cannot read the cache index …/index.sqlite: SQLite Error 8: 'attempt to write a readonly
    // database'" (or "unable to open database file"), which says nothing of the folder.
    [TestMethod]
    [DataRow("stats")]
    [DataRow("clear")]
    [DataRow("trim")]
    public async Task Command_FolderThatTakesNoNewFiles_SaysTheIndexNeedsItsSideFiles(string command)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("Unix permissions and attributes");
            return;
        }

        using var folder = new TempFolder();
        var cache = folder.Combine("cache");
        using (var disk = new ImageKit.Caching.DiskImageCache(new ImageKit.Caching.DiskImageCacheOptions { Directory = cache }))
        {
            await disk.SetAsync("k", new byte[10], null, TestContext.CancellationToken);
        }

        CliResult result;
        using (var protection = WriteProtection.TryApply(cache))
        {
            if (protection is null)
            {
                Assert.Inconclusive("this machine cannot make a folder refuse writes to this user");
                return;
            }

            result = await CliRunner.RunAsync("cache", command, "--cache-dir", cache);
        }

        result.AssertBadInput(cache, $"this process cannot create files in {cache}");
        StringAssert.Contains(result.StderrLines[0], "-wal and -shm");
        using var reopened = new ImageKit.Caching.DiskImageCache(new ImageKit.Caching.DiskImageCacheOptions { Directory = cache });
        Assert.AreEqual(1, (await reopened.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount, "the cache is left as it was");
    }
}
