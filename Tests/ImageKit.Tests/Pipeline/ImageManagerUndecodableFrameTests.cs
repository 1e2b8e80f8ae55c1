using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A load decodes headers and the frame table only, so it can succeed with an image whose frames do not decode
/// (<c>Fixtures/damaged/undecodable-animation.gif</c>: frame 0's data is corrupt). The first frame that fails must take the
/// image out of both caches, and the URL must then fail fast like a load that failed to decode, so that a broken copy is
/// never served again from the cache.
/// </summary>
[TestClass]
public sealed class ImageManagerUndecodableFrameTests
{
    private static readonly byte[] s_broken = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", "undecodable-animation.gif"));

    private string _cacheDir = null!;
    private int _hits;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-undecodable-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    [TestMethod]
    public async Task FrameThatDoesNotDecode_TakesTheImageOutOfBothCachesAndTheUrlFailsFast()
    {
        await using var server = await StartServerAsync();
        await using var manager = ImageManagerTests.NewManager(_cacheDir);
        var url = server.Url("/broken.gif");
        var token = TestContext.CancellationToken;

        using (var result = await manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: token))
        {
            Assert.AreEqual(ImageLoadSource.Network, result.Source, "precondition: the headers decode, so the load succeeds");
            Assert.AreEqual(ImageCacheType.All, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: token));
            Assert.ThrowsExactly<ImageDecodingException>(() => result.Image.GetFrame(0));
        }

        await manager.WhenUndecodableForgottenAsync();
        Assert.AreEqual(ImageCacheType.None, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: token), "the broken image is still cached");
        var fast = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: token));
        StringAssert.Contains(fast.Message, "failed recently");
        StringAssert.Contains(fast.Message, "frame 0");
        Assert.AreEqual(1, _hits);

        using var again = await manager.LoadImageAsync(url, new ImageLoadOptions { RetryFailed = true }, cancellationToken: token);
        Assert.AreEqual(ImageLoadSource.Network, again.Source, "retried, the image must come from its URL, not a cached copy");
        Assert.AreEqual(2, _hits);
    }

    /// <summary>The caches still hold the broken copy until its removal has run: the next load fails fast all the same.</summary>
    [TestMethod]
    public async Task FrameThatDoesNotDecode_TheNextLoadFailsFastBeforeTheCopyIsRemoved()
    {
        await using var server = await StartServerAsync();
        await using var manager = ImageManagerTests.NewManager(_cacheDir);
        var url = server.Url("/broken.gif");
        var token = TestContext.CancellationToken;

        using (var result = await manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: token))
        {
            Assert.ThrowsExactly<ImageDecodingException>(() => result.Image.GetFrame(0));
        }

        var fast = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: token));
        await manager.WhenUndecodableForgottenAsync();

        StringAssert.Contains(fast.Message, "failed recently");
        StringAssert.Contains(fast.Message, "frame 0");
        Assert.AreEqual(1, _hits);
    }

    [TestMethod]
    public async Task FrameFailsBeforeItsBackgroundDiskStoreLands_TheDiskCopyIsRemovedToo()
    {
        await using var server = await StartServerAsync();
        await using var manager = ImageManagerTests.NewManager(_cacheDir);
        var url = server.Url("/broken.gif");
        var token = TestContext.CancellationToken;

        using (var result = await manager.LoadImageAsync(url, cancellationToken: token))
        {
            Assert.ThrowsExactly<ImageDecodingException>(() => result.Image.GetFrame(0));
        }

        await manager.WhenUndecodableForgottenAsync();
        await manager.WaitForDiskStoresAsync(token);
        Assert.AreEqual(ImageCacheType.None, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: token));
    }

    [TestMethod]
    public async Task FrameThatDoesNotDecode_FromTheDiskCopy_RemovesIt()
    {
        await using var server = await StartServerAsync();
        var url = server.Url("/broken.gif");
        var token = TestContext.CancellationToken;
        await using (var first = ImageManagerTests.NewManager(_cacheDir))
        {
            (await first.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: token)).Dispose();
        }

        await using var manager = ImageManagerTests.NewManager(_cacheDir);
        using (var result = await manager.LoadImageAsync(url, cancellationToken: token))
        {
            Assert.AreEqual(ImageLoadSource.Disk, result.Source, "precondition");
            Assert.ThrowsExactly<ImageDecodingException>(() => result.Image.GetFrame(0));
        }

        await manager.WhenUndecodableForgottenAsync();
        Assert.AreEqual(ImageCacheType.None, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: token));
        Assert.AreEqual(1, _hits);
    }

    [TestMethod]
    public async Task ImageKeptAfterItsManagerIsGone_DoesNotKeepTheManager()
    {
        var file = Path.Combine(_cacheDir, "broken.gif");
        await File.WriteAllBytesAsync(file, s_broken, TestContext.CancellationToken);
        var (result, manager) = LoadWithManagerNobodyKeeps(new Uri(file), Path.Combine(_cacheDir, "cache"));
        using (result)
        {
            Assert.IsTrue(Leaks.CollectUntil(() => !manager.TryGetTarget(out _)), "the image's frame watch keeps its manager alive");
            Assert.ThrowsExactly<ImageDecodingException>(() => result.Image.GetFrame(0)); // and failing then is harmless
        }
    }

    // Synchronous and not inlined: no state machine of this test holds the manager.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (ImageLoadResult Result, WeakReference<ImageManager> Manager) LoadWithManagerNobodyKeeps(Uri url, string cacheDir)
    {
        var manager = ImageManagerTests.NewManager(cacheDir);
        var result = Task.Run(() => manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true })).GetAwaiter().GetResult();
        manager.Dispose();
        return (result, new WeakReference<ImageManager>(manager));
    }

    private Task<LoopbackServer> StartServerAsync() => LoopbackServer.StartAsync(
        app => app.MapGet("/broken.gif", (HttpContext context) =>
        {
            Interlocked.Increment(ref _hits);
            return LoopbackServer.Bytes(s_broken, "image/gif")(context);
        }),
        TestContext.CancellationToken);
}
