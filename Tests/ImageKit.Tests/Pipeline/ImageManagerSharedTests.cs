using ImageKit.Tests.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// <see cref="ImageManager.Shared"/>, each case in its own process (the shared manager lives as long as its process):
/// it always works, with a disk cache in the user's cache folder when that folder can be used and memory only when not.
/// </summary>
[TestClass]
public sealed class ImageManagerSharedTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Shared_UsableCacheFolder_LoadsWithTheDiskCacheInTheUsersCacheFolder()
    {
        using var home = new TempFolder();

        var (exit, lines, errors) = await RunSharedAsync(home.Path);

        Assert.AreEqual(0, exit, errors);
        Assert.AreEqual($"loaded {FrameCount} disk={DefaultCacheFolder(home.Path)}", lines.Single());
    }

    [TestMethod]
    public async Task Shared_CacheFolderHoldsSomeoneElsesFiles_LoadsWithMemoryOnlyAndLeavesTheFilesAlone()
    {
        using var home = new TempFolder();
        var folder = DefaultCacheFolder(home.Path);
        Directory.CreateDirectory(folder);
        var notes = Path.Combine(folder, "notes.txt");
        await File.WriteAllTextAsync(notes, "not a cache", TestContext.CancellationToken);

        var (exit, lines, errors) = await RunSharedAsync(home.Path);

        Assert.AreEqual(0, exit, "the shared manager must not throw for a folder it cannot use: " + errors);
        Assert.AreEqual($"loaded {FrameCount} disk=none", lines.Single());
        Assert.AreEqual("not a cache", await File.ReadAllTextAsync(notes, TestContext.CancellationToken));
        CollectionAssert.AreEquivalent(new[] { notes }, Directory.GetFileSystemEntries(folder));
    }

    private static int FrameCount
    {
        get
        {
            using var image = ImageKit.Decoding.AnimatedImage.Decode(Corpus.Read("TestImage.gif"));
            return image.FrameCount;
        }
    }

    // DiskImageCache.DefaultDirectory for this HOME, with XDG_CACHE_HOME = HOME/.cache (as the worker sets them).
    private static string DefaultCacheFolder(string home) => OperatingSystem.IsMacOS()
        ? Path.Combine(home, "Library", "Caches", "ImageKit")
        : Path.Combine(home, ".cache", "imagekit");

    private async Task<(int Exit, IReadOnlyList<string> Lines, string Errors)> RunSharedAsync(string home)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("the worker points the user's cache folder elsewhere through HOME and XDG_CACHE_HOME");
        }

        var image = new Uri(Corpus.PathOf("TestImage.gif"));
        using var worker = new WorkerProcess("shared", home, image.AbsoluteUri);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        var exit = await worker.WaitForExitAsync(timeout.Token);
        return (exit, worker.Lines, worker.Errors);
    }
}
