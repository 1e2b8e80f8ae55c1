using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>The cache commands look after a cache; they never let its self-healing replace a damaged index and sweep it.</summary>
[TestClass]
public sealed class CacheCommandDamagedIndexTests
{
    public TestContext TestContext { get; set; } = null!;

    // README: "These commands only look after an existing cache ... an index.sqlite that is not SQLite (damaged: delete it to
    // start over) ... is exit code 2 and one line on stderr, and nothing in the folder is created or changed." An index with
    // a valid SQLite header but damaged pages passes the header check; the cache's self-healing then deletes it, and the
    // sweep after the rebuild deletes every blob: `cache stats` reports "0 entries" with exit 0 and the cache is gone.
    [TestMethod]
    [DataRow("stats")]
    [DataRow("trim")]
    public async Task Command_IndexWithDamagedPages_ExitsWith2AndDeletesNothing(string command)
    {
        using var folder = new TempFolder();
        using (var cache = new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path }))
        {
            for (var i = 0; i < 3; i++)
            {
                await cache.SetAsync($"k{i}", new byte[200_000], null, TestContext.CancellationToken); // file blobs
            }
        }

        var index = Path.Combine(folder.Path, "index.sqlite");
        var bytes = await File.ReadAllBytesAsync(index, TestContext.CancellationToken);
        Assert.IsGreaterThan(4096, bytes.Length);
        bytes.AsSpan(4096).Fill(0x5A); // every page after the first (the header stays "SQLite format 3")
        await File.WriteAllBytesAsync(index, bytes, TestContext.CancellationToken);
        var blobsBefore = Directory.GetFiles(Path.Combine(folder.Path, "blobs"), "*", SearchOption.AllDirectories).Length;
        Assert.AreEqual(3, blobsBefore);

        var result = await CliRunner.RunAsync("cache", command, "--cache-dir", folder.Path);

        // Let a background sweep the rebuild started finish before looking.
        await Task.Delay(1000, TestContext.CancellationToken);
        var blobsAfter = Directory.GetFiles(Path.Combine(folder.Path, "blobs"), "*", SearchOption.AllDirectories).Length;
        Assert.AreEqual(3, blobsAfter, $"the cached files must survive a report; exit {result.ExitCode}, stdout: {result.Stdout}");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(index, TestContext.CancellationToken), "the damaged index is left for the user to see");
        result.AssertBadInput(folder.Path, "damaged");
    }

    /// <summary>
    /// An index SQLite cannot read for a reason that is not damage (an I/O error, an unusable side file): `cache stats`
    /// crashed with an unhandled SqliteException (exit 134; found with a cache on a FUSE FAT32 mount, whose `-wal` SQLite
    /// could not create). Made here with a folder where the index's `-wal` file should be.
    /// </summary>
    [TestMethod]
    [DataRow("stats")]
    [DataRow("trim")]
    [DataRow("clear")]
    public async Task Command_IndexSqliteCannotRead_ExitsWith2AndSaysWhy(string command)
    {
        using var folder = new TempFolder();
        using (var cache = new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path }))
        {
            await cache.SetAsync("k", new byte[1000], null, TestContext.CancellationToken);
        }

        Directory.CreateDirectory(Path.Combine(folder.Path, "index.sqlite-wal"));

        var result = await CliRunner.RunAsync("cache", command, "--cache-dir", folder.Path);

        result.AssertBadInput(folder.Path, "unable to open database file");
        Assert.IsTrue(File.Exists(Path.Combine(folder.Path, "index.sqlite")), "the index is left as it was");
    }

    [TestMethod]
    [DataRow("index.lock")]
    [DataRow("index.sqlite-shm")]
    [DataRow("index.sqlite-wal")]
    public async Task Commands_ASideFileIsAFolder_AnswerOrExitWith2InOneLine(string name)
    {
        using var folder = new TempFolder();
        using (var cache = new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path }))
        {
            await cache.SetAsync("k", new byte[1000], null, TestContext.CancellationToken);
        }

        File.Delete(folder.Combine(name));
        Directory.CreateDirectory(folder.Combine(name));
        foreach (var command in (string[])["stats", "trim", "clear"])
        {
            var result = await CliRunner.RunAsync("cache", command, "--cache-dir", folder.Path);

            Assert.IsTrue(result.ExitCode is 0 or 2, $"{command}: exit {result.ExitCode}: {result.Stderr}");
            Assert.IsLessThanOrEqualTo(1, result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, $"{command}: {result.Stderr}");
        }
    }
}
