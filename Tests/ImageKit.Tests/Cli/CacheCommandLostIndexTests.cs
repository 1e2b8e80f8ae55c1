using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A cache folder whose <c>index.sqlite</c> was deleted (as the damaged-index message advises) still holds only the
/// cache's own files (<c>blobs/</c>, <c>tmp/</c>, <c>index.lock</c>): the cache commands look after it as the SDK
/// opens it, and do not call it a folder of other files.
/// </summary>
[TestClass]
public sealed class CacheCommandLostIndexTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("stats")]
    [DataRow("clear")]
    [DataRow("trim")]
    public async Task Command_CacheFolderWhoseIndexWasDeleted_OpensItAsACache(string command)
    {
        using var folder = new TempFolder();
        var cacheDir = folder.Combine("cache");
        using (var cache = new DiskImageCache(new DiskImageCacheOptions { Directory = cacheDir, MaxInlineBytes = 0 }))
        {
            await cache.SetAsync("k", new byte[1000], null, TestContext.CancellationToken);
        }

        foreach (var index in Directory.GetFiles(cacheDir, "index.sqlite*"))
        {
            File.Delete(index);
        }

        Assert.IsTrue(Directory.Exists(Path.Combine(cacheDir, "blobs")), "the cache's own files stay");
        Directory.CreateDirectory(Path.Combine(cacheDir, $"trash-{DateTime.UtcNow.Ticks:x16}-{Guid.NewGuid():N}", "ab")); // a clear's, not yet deleted

        var result = await CliRunner.RunAsync("cache", command, "--cache-dir", cacheDir, "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.AreEqual(string.Empty, result.Stderr);
        StringAssert.StartsWith(result.Stdout, "{");
    }

    [TestMethod]
    public async Task Clear_CacheFolderWithoutIndexThatAlsoHoldsAUsersFile_ExitsWith2AndKeepsTheFile()
    {
        using var folder = new TempFolder();
        var cacheDir = folder.Combine("cache");
        using (var cache = new DiskImageCache(new DiskImageCacheOptions { Directory = cacheDir, MaxInlineBytes = 0 }))
        {
            await cache.SetAsync("k", new byte[1000], null, TestContext.CancellationToken);
        }

        File.Delete(Path.Combine(cacheDir, "index.sqlite"));
        var mine = Path.Combine(cacheDir, "tmp", "notes.txt");
        await File.WriteAllTextAsync(mine, "mine", TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("cache", "clear", "--cache-dir", cacheDir);

        result.AssertBadInput(cacheDir, "is not an ImageKit disk cache");
        Assert.AreEqual("mine", await File.ReadAllTextAsync(mine, TestContext.CancellationToken));
    }

    // The cache's sweep deletes "trash-" folders (a clear's moved-away blob folder) and what is not a blob file in blobs/'s
    // fan-out folders: a user's files there must keep the folder from being taken for a cache, as any other file does.
    [TestMethod]
    [DataRow("fetch", "trash-can/important.txt")]
    [DataRow("cache clear", "trash-can/important.txt")]
    [DataRow("cache stats", "trash-can/important.txt")]
    [DataRow("fetch", "blobs/ab/important.txt")]
    [DataRow("cache clear", "blobs/ab/important.txt")]
    public async Task Command_FolderWithoutIndexHoldingAUsersFileWhereTheSweepDeletes_ExitsWith2AndKeepsIt(string command, string file)
    {
        using var folder = new TempFolder();
        var target = folder.Combine("mine");
        var precious = Path.Combine(target, file);
        Directory.CreateDirectory(Path.GetDirectoryName(precious)!);
        await File.WriteAllTextAsync(precious, "keep me", TestContext.CancellationToken);
        string[] arguments = command == "fetch"
            ? ["fetch", new Uri(Corpus.PathOf("animated-red-blue.gif")).AbsoluteUri, "--cache-dir", target]
            : [.. command.Split(' '), "--cache-dir", target];

        var result = await CliRunner.RunAsync(arguments);

        result.AssertBadInput(target, "not an ImageKit disk cache");
        Assert.AreEqual("keep me", await File.ReadAllTextAsync(precious, TestContext.CancellationToken));
        CollectionAssert.AreEqual(new[] { Path.Combine(target, file.Split('/')[0]) }, Directory.GetFileSystemEntries(target), "nothing created beside it");
    }
}
