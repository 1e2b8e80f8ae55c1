using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// <see cref="DiskImageCache.DefaultDirectory"/> in a process of its own (it reads HOME and XDG_CACHE_HOME): always a full
/// path, also for a service account whose home folder does not exist.
/// </summary>
[TestClass]
public sealed class DiskImageCacheDefaultDirectoryTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task DefaultDirectory_HomeFolderDoesNotExist_IsStillTheFullPathUnderThatHome()
    {
        // As for `nobody` (HOME=/nonexistent) or a container user: before, .NET's check that the home folder exists made it
        // an empty string, and the cache folder became ".cache/imagekit", relative to wherever the process ran.
        var home = Path.Combine(Path.GetTempPath(), "imagekit-no-such-home-" + Guid.NewGuid().ToString("N"));

        var directory = await DefaultDirectoryForAsync(home);

        Assert.IsTrue(Path.IsPathRooted(directory), directory);
        Assert.AreEqual(OperatingSystem.IsMacOS() ? Path.Combine(home, "Library", "Caches", "ImageKit") : Path.Combine(home, ".cache", "imagekit"), directory);
        Assert.IsFalse(Directory.Exists(home), "reading the default creates nothing");
    }

    [TestMethod]
    public async Task DefaultDirectory_ExistingHomeWithoutXdgCacheHome_IsTheCacheFolderUnderIt()
    {
        using var home = new TempFolder();

        var directory = await DefaultDirectoryForAsync(home.Path);

        Assert.AreEqual(OperatingSystem.IsMacOS() ? Path.Combine(home.Path, "Library", "Caches", "ImageKit") : Path.Combine(home.Path, ".cache", "imagekit"), directory);
    }

    private async Task<string> DefaultDirectoryForAsync(string home)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("the user's folders come from HOME only on Unix");
        }

        using var worker = new WorkerProcess("default-dir", home);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        var exit = await worker.WaitForExitAsync(timeout.Token);
        Assert.AreEqual(0, exit, worker.Errors);
        return worker.Lines.Single();
    }
}
