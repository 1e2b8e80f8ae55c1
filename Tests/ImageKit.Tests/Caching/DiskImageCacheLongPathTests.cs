using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// SQLite opens index paths of up to 504 bytes outside Windows; a cache folder deeper than that failed with SQLite's bare
/// "unable to open database file". It now says that the path is too long, and how long it may be.
/// </summary>
[TestClass]
public sealed class DiskImageCacheLongPathTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Open_IndexPathAtSqlitesLimit_Works()
    {
        using var folder = new TempFolder();
        if (!TryFolderWithIndexPathOf(folder.Path, 504, out var directory))
        {
            return;
        }

        using var cache = Open(directory);
        await cache.SetAsync("k", Bytes(300, 1), null, TestContext.CancellationToken);

        Assert.IsNotNull(await cache.GetAsync("k", TestContext.CancellationToken));
    }

    [TestMethod]
    public void Open_IndexPathOneByteOverSqlitesLimit_ThrowsDiskCacheExceptionSayingThePathIsTooLong()
    {
        using var folder = new TempFolder();
        if (!TryFolderWithIndexPathOf(folder.Path, 505, out var directory))
        {
            return;
        }

        var error = Assert.ThrowsExactly<DiskCacheException>(() => Open(directory).Dispose());

        Assert.AreEqual(directory, error.SourceName);
        StringAssert.Contains(error.Message, $"the path of its index, {Path.Combine(directory, "index.sqlite")}, is 505 bytes long, and SQLite opens paths of at most 504 bytes: choose a folder with a shorter path");
    }

    // A folder under root whose index path is exactly `bytes` long (ASCII), in segments of at most 200 bytes.
    private static bool TryFolderWithIndexPathOf(string root, int bytes, out string directory)
    {
        directory = root;
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("SQLite's path limit on Windows is another one");
            return false;
        }

        var missing = bytes - Path.Combine(root, "index.sqlite").Length; // each segment costs its separator too
        while (missing > 201)
        {
            directory = Path.Combine(directory, new string('d', 150));
            missing -= 151;
        }

        directory = Path.Combine(directory, new string('e', missing - 1));
        Assert.AreEqual(bytes, Path.Combine(directory, "index.sqlite").Length, "the path built");
        return true;
    }
}
