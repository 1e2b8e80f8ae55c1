using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A cached image whose frame fails to decode is removed from the caches in the background, and its disk copy only once
/// the disk stores started before have landed. A load retried meanwhile (<see cref="ImageLoadOptions.RetryFailed"/>, from
/// the network) stores a fresh, good copy under the same key: the removal of the broken one must not take it away.
/// </summary>
[TestClass]
public sealed class ImageManagerUndecodableRetryTests
{
    private static readonly byte[] s_broken = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", "undecodable-animation.gif"));
    private static readonly Uri s_url = new("asset://images/broken.gif");
    private static readonly Uri s_other = new("asset://images/other.gif");

    private string _cacheDir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-undecodable-retry-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    [TestMethod]
    public async Task RetriedFromTheNetworkWhileTheBrokenCopyIsBeingRemoved_TheFreshCopyStaysCached()
    {
        var token = TestContext.CancellationToken;
        await using var rig = new Rig(_cacheDir);
        await rig.BreakCachedCopyAsync(token);

        // The server has a good image now; the app retries from the network.
        rig.Loader.Serve(Corpus.Read("TestImage.gif"));
        using (var fresh = await rig.Manager.LoadImageAsync(s_url, new ImageLoadOptions { RetryFailed = true, FromNetworkOnly = true, WaitForDiskStore = true }, cancellationToken: token))
        {
            Assert.AreEqual(ImageLoadSource.Network, fresh.Source);
            Assert.IsNotNull(fresh.Image.GetFrame(0));
        }

        Assert.AreEqual(ImageCacheType.All, await rig.Inner.ContainsAsync(s_url.AbsoluteUri, cancellationToken: token), "precondition: the fresh copy is cached in both tiers");

        rig.Cache.ReleaseOtherDiskStore.TrySetResult();
        await rig.Manager.WhenUndecodableForgottenAsync().WaitAsync(token);
        await rig.Manager.WaitForDiskStoresAsync(token);

        Assert.AreEqual(ImageCacheType.All, await rig.Inner.ContainsAsync(s_url.AbsoluteUri, cancellationToken: token), "the removal of the broken copy took the fresh one");
        using var again = await rig.Manager.LoadImageAsync(s_url, cancellationToken: token);
        Assert.AreNotEqual(ImageLoadSource.Network, again.Source);
        Assert.IsNotNull(again.Image.GetFrame(0));
        Assert.AreEqual(2, rig.Loader.Loads, "only the broken image and the retry were loaded from the source");
    }

    [TestMethod]
    public async Task RetriedWhileTheBrokenCopyIsBeingRemoved_LoadsAFreshCopyInsteadOfTheBrokenOneOnDisk()
    {
        var token = TestContext.CancellationToken;
        await using var rig = new Rig(_cacheDir);
        await rig.BreakCachedCopyAsync(token);

        rig.Loader.Serve(Corpus.Read("TestImage.gif"));
        using var fresh = await rig.Manager.LoadImageAsync(s_url, new ImageLoadOptions { RetryFailed = true }, cancellationToken: token);

        Assert.AreEqual(ImageLoadSource.Network, fresh.Source, "a retry of a copy known to be broken was answered that copy, still on disk");
        Assert.IsNotNull(fresh.Image.GetFrame(0));
    }

    [TestMethod]
    public async Task FailuresNotRemembered_LoadWhileTheBrokenCopyIsBeingRemoved_LoadsAFreshCopyInsteadOfTheBrokenOneOnDisk()
    {
        // FailedUrlRetention = 0 remembers no failure, so nothing fails fast; a copy known to be broken is still not answered.
        var token = TestContext.CancellationToken;
        await using var rig = new Rig(_cacheDir, new ImageManagerOptions { FailedUrlRetention = TimeSpan.Zero });
        await rig.BreakCachedCopyAsync(token);

        rig.Loader.Serve(Corpus.Read("TestImage.gif"));
        using var fresh = await rig.Manager.LoadImageAsync(s_url, cancellationToken: token);

        Assert.AreEqual(ImageLoadSource.Network, fresh.Source, "a load was answered the copy known to be broken, still on disk");
        Assert.IsNotNull(fresh.Image.GetFrame(0));
    }

    // A retry supersedes the removal of the broken copy in the tiers it is about to store to: cancelled as its disk store
    // began, it stored nothing, yet the removal still left the disk alone, and the broken copy stayed there to be served.
    [TestMethod]
    public async Task RetryCancelledAsItsDiskStoreBegins_TheBrokenCopyIsStillRemovedFromDisk()
    {
        var token = TestContext.CancellationToken;
        await using var rig = new Rig(_cacheDir);
        await rig.BreakCachedCopyAsync(token);

        rig.Loader.Serve(Corpus.Read("TestImage.gif"));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(token);
        rig.Cache.BeforeWatchedDiskStore = cancel.Cancel;
        await Assert.ThrowsAsync<OperationCanceledException>(() => rig.Manager.LoadImageAsync(s_url, new ImageLoadOptions { RetryFailed = true, FromNetworkOnly = true, WaitForDiskStore = true }, cancellationToken: cancel.Token));
        rig.Cache.BeforeWatchedDiskStore = null;

        rig.Cache.ReleaseOtherDiskStore.TrySetResult();
        await rig.Manager.WhenUndecodableForgottenAsync().WaitAsync(token);
        await rig.Manager.WaitForDiskStoresAsync(token);

        Assert.AreEqual(ImageCacheType.None, await rig.Inner.ContainsAsync(s_url.AbsoluteUri, cancellationToken: token), "the broken copy stayed cached after the retry that superseded its removal was cancelled");
    }

    /// <summary>A manager over a <see cref="GatedCache"/> whose other image's disk store is held until the test lets it go.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly ImageDownloader _downloader = new();

        public Rig(string cacheDir, ImageManagerOptions? options = null)
        {
            Inner = new ImageCache(new ImageCacheOptions
            {
                Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
                Disk = new DiskImageCacheOptions { Directory = cacheDir },
            });
            Cache = new GatedCache(Inner, s_other.AbsoluteUri, s_url.AbsoluteUri);
            Manager = new ImageManager(Cache, _downloader, options);
            Manager.Loaders.Insert(0, Loader);
        }

        public ImageCache Inner { get; }

        public GatedCache Cache { get; }

        public SwitchingLoader Loader { get; } = new();

        public ImageManager Manager { get; }

        /// <summary>
        /// Loads the broken image (cached in both tiers) and fails its frame: its memory copy is removed, its disk copy's
        /// removal waits for the other image's held disk store.
        /// </summary>
        public async Task BreakCachedCopyAsync(CancellationToken token)
        {
            (await Manager.LoadImageAsync(s_other, cancellationToken: token)).Dispose();
            await Cache.OtherDiskStoreEntered.Task.WaitAsync(token);

            using (var result = await Manager.LoadImageAsync(s_url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: token))
            {
                Assert.AreEqual(ImageCacheType.All, await Inner.ContainsAsync(s_url.AbsoluteUri, cancellationToken: token), "precondition: cached in both tiers");
                Assert.ThrowsExactly<ImageDecodingException>(() => result.Image.GetFrame(0));
            }

            await Cache.MemoryRemoved.Task.WaitAsync(token);
            Assert.IsFalse(Manager.WhenUndecodableForgottenAsync().IsCompleted, "precondition: the removal waits for the held store");
        }

        public async ValueTask DisposeAsync()
        {
            Cache.ReleaseOtherDiskStore.TrySetResult(); // else disposing the manager would wait for the held store
            await Manager.DisposeAsync();
            _downloader.Dispose();
            Inner.Dispose();
        }
    }

    /// <summary>Serves the broken image until told to serve another.</summary>
    internal sealed class SwitchingLoader : IImageLoader
    {
        private byte[] _bytes = s_broken;
        private int _loads;

        public int Loads => Volatile.Read(ref _loads);

        public void Serve(byte[] bytes) => Volatile.Write(ref _bytes, bytes);

        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            if (request.Url == s_other)
            {
                return Task.FromResult(new ImageLoaderResponse(request.Url, Corpus.Read("TestImage.png")));
            }

            Interlocked.Increment(ref _loads);
            return Task.FromResult(new ImageLoaderResponse(request.Url, Volatile.Read(ref _bytes)));
        }
    }

    /// <summary>
    /// The app's own cache over an <see cref="ImageCache"/>: the disk store of <c>held</c> waits for the test, and the
    /// memory removal of <c>watched</c> is reported.
    /// </summary>
    internal sealed class GatedCache(ImageCache inner, string held, string watched) : ForwardingImageCache(inner)
    {
        public TaskCompletionSource OtherDiskStoreEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReleaseOtherDiskStore { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource MemoryRemoved { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Called when a disk store of <c>watched</c> begins, before it is passed on.</summary>
        public Action? BeforeWatchedDiskStore { get; set; }

        public override async Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
        {
            if (key == held && cacheType.HasFlag(ImageCacheType.Disk))
            {
                OtherDiskStoreEntered.TrySetResult();
                await ReleaseOtherDiskStore.Task.ConfigureAwait(false);
            }

            if (key == watched && cacheType.HasFlag(ImageCacheType.Disk))
            {
                BeforeWatchedDiskStore?.Invoke();
            }

            await base.StoreAsync(key, image, encodedData, metadata, cacheType, decodeOptions, cancellationToken).ConfigureAwait(false);
        }

        public override async Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
        {
            var removed = await base.RemoveAsync(key, cacheType, decodeOptions, cancellationToken).ConfigureAwait(false);
            if (key == watched && cacheType == ImageCacheType.Memory)
            {
                MemoryRemoved.TrySetResult();
            }

            return removed;
        }
    }
}
