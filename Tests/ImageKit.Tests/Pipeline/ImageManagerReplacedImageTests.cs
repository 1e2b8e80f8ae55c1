using System.Drawing;
using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// Load options that combine stages (revalidation, cache tiers, cache keys, chains) against a real server on 127.0.0.1:
/// what each tier holds afterwards, and that no load is answered with bytes a later response replaced.
/// </summary>
[TestClass]
public sealed class ImageManagerReplacedImageTests
{
    private static readonly byte[] s_v1 = Corpus.Read("arrow.png");      // 187 x 312
    private static readonly byte[] s_v2 = Corpus.Read("baseline.jpeg");  // 450 x 300

    public TestContext TestContext { get; set; } = null!;

    // A server of image, a manager on a new folder, and the first version loaded and on disk: what a refresh revalidates.
    private async Task<FirstVersion> FirstVersionStoredAsync(VersionedImage image)
    {
        var folder = new TempFolder();
        var server = await LoopbackServer.StartAsync(image.Map, TestContext.CancellationToken);
        var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        await LoadAndStoreAsync(manager, url);
        return new FirstVersion(folder, server, manager, url);
    }

    private sealed record FirstVersion(TempFolder Folder, LoopbackServer Server, ImageManager Manager, Uri Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Manager.DisposeAsync();
            await Server.DisposeAsync();
            Folder.Dispose();
        }
    }

    // The first version, loaded and on disk: what a refresh then revalidates.
    private async Task LoadAndStoreAsync(ImageManager manager, Uri url)
    {
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
    }

    /// <summary>A server whose one image changes version on demand, with an ETag per version, honouring If-None-Match.</summary>
    internal sealed class VersionedImage(byte[]? first = null, byte[]? second = null)
    {
        public volatile int Version = 1;
        public int Requests;

        public void Map(WebApplication app) => app.MapGet("/image", async context =>
        {
            Interlocked.Increment(ref Requests);
            var version = Version;
            var etag = $"\"v{version}\"";
            context.Response.Headers.ETag = etag;
            if (context.Request.Headers.IfNoneMatch.ToString() == etag)
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(version == 1 ? first ?? s_v1 : second ?? s_v2);
        });
    }

    [TestMethod]
    public async Task RefreshCached_200ReplacesTheImage_AThumbnailOfTheOldVersionIsNotServedAfterwards()
    {
        using var folder = new TempFolder();
        var image = new VersionedImage();
        await using var server = await LoopbackServer.StartAsync(image.Map, TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        var thumbnail = new ImageLoadOptions { ThumbnailPixelSize = new Size(100, 100) };
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        using (var old = await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(100, old.Image.PixelHeight, "v1 is taller than wide");
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        image.Version = 2;
        using (var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, refreshed.Source);
            Assert.AreEqual(450, refreshed.Image.PixelWidth);
        }

        using var again = await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(100, again.Image.PixelWidth, "the thumbnail is of the version the 200 stored, not of the one it replaced");
    }

    [TestMethod]
    public async Task RefreshCachedThumbnail_200ReplacesTheImage_TheFullSizeImageOfTheOldVersionIsNotServedAfterwards()
    {
        var image = new VersionedImage();
        await using var setup = await FirstVersionStoredAsync(image);
        var (manager, url) = (setup.Manager, setup.Url);

        image.Version = 2;
        using (var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true, ThumbnailPixelSize = new Size(100, 100) }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(100, refreshed.Image.PixelWidth);
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        using var full = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(450, full.Image.PixelWidth, "the full-size image is the version the 200 stored, not the one it replaced");
    }

    [TestMethod]
    public async Task RefreshCached_304_KeepsTheBytesAndTheMemoryCacheHoldsTheSameImage()
    {
        var image = new VersionedImage();
        await using var setup = await FirstVersionStoredAsync(image);
        var (manager, url) = (setup.Manager, setup.Url);

        using (var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Disk, refreshed.Source);
        }

        using var memory = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Memory, memory.Source);
        Assert.AreEqual(187, memory.Image.PixelWidth);
        Assert.AreEqual(2, image.Requests);
    }

    [TestMethod]
    public async Task RefreshCachedDiskOnly_200ReplacesTheImage_ALaterLoadIsNotAnsweredWithTheOldImageInMemory()
    {
        var image = new VersionedImage();
        await using var setup = await FirstVersionStoredAsync(image);
        var (manager, url) = (setup.Manager, setup.Url);

        image.Version = 2;
        using (var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true, CacheType = ImageCacheType.Disk, WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(450, refreshed.Image.PixelWidth);
        }

        using var later = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(450, later.Image.PixelWidth, "answered with the version the 200 stored");
    }

    [TestMethod]
    public async Task RefreshCached_200ReplacesTheImage_AnotherKeyThatStartsWithTheSameTextStaysInMemory()
    {
        using var folder = new TempFolder();
        var image = new VersionedImage();
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            image.Map(app);
            app.MapGet("/image2", LoopbackServer.Bytes(s_v1, "image/png"));
        }, TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        var longer = server.Url("/image2");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        (await manager.LoadImageAsync(longer, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        image.Version = 2;
        (await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken)).Dispose();

        using var other = await manager.LoadImageAsync(longer, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Memory, other.Source, "only the refreshed key's images are of a replaced version");
    }

    /// <summary>
    /// Serves v1 with ETag "v1" until told to change; then answers every conditional request with a 304 naming "v2" (which
    /// does not vouch for the cached bytes) and an unconditional one with v2, optionally marked no-store.
    /// </summary>
    private sealed class MismatchedValidator(bool noStore)
    {
        public volatile bool Changed;

        public void Map(WebApplication app) => app.MapGet("/image", async context =>
        {
            if (!Changed)
            {
                context.Response.Headers.ETag = "\"v1\"";
                context.Response.ContentType = "image/png";
                await context.Response.Body.WriteAsync(s_v1);
                return;
            }

            context.Response.Headers.ETag = "\"v2\"";
            if (context.Request.Headers.IfNoneMatch.Count > 0)
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            if (noStore)
            {
                context.Response.Headers.CacheControl = "no-store";
            }

            context.Response.ContentType = "image/jpeg";
            await context.Response.Body.WriteAsync(s_v2);
        });
    }

    [TestMethod]
    public async Task RefreshCached_304NamingAnotherETagThenA200_AThumbnailOfTheOldVersionIsNotServedAfterwards()
    {
        using var folder = new TempFolder();
        var image = new MismatchedValidator(noStore: false);
        await using var server = await LoopbackServer.StartAsync(image.Map, TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        var thumbnail = new ImageLoadOptions { ThumbnailPixelSize = new Size(100, 100) };
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        (await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        image.Changed = true;
        using (var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(450, refreshed.Image.PixelWidth, "loaded again after the 304 for another tag");
        }

        using var again = await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(100, again.Image.PixelWidth, "the thumbnail is of the version loaded after the 304, not of the one it replaced");
    }

    [TestMethod]
    public async Task RefreshCached_304NamingAnotherETagThenANoStore200_TheEarlierDiskCopyIsRemoved()
    {
        using var folder = new TempFolder();
        var image = new MismatchedValidator(noStore: true);
        await using var server = await LoopbackServer.StartAsync(image.Map, TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        await LoadAndStoreAsync(manager, url);

        image.Changed = true;
        (await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        Assert.IsNull(await manager.Cache.GetEncodedAsync(url.AbsoluteUri, TestContext.CancellationToken), "a refresh answered no-store removes the earlier disk copy (README)");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "FromNetworkOnly")]
    [DataRow(true, DisplayName = "RefreshCached, no disk tier")]
    public async Task LoadPastTheCaches_GetsANewVersion_AThumbnailOfTheOldVersionIsNotServedAfterwards(bool refreshWithoutDisk)
    {
        using var folder = new TempFolder();
        var image = new VersionedImage();
        await using var server = await LoopbackServer.StartAsync(image.Map, TestContext.CancellationToken);
        await using var manager = refreshWithoutDisk
            ? new ImageManager(new ImageCacheOptions { Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false } }, ImageManagerTests.s_fastDownloads)
            : ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        var thumbnail = new ImageLoadOptions { ThumbnailPixelSize = new Size(100, 100) };
        (await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        image.Version = 2;
        var fresh = refreshWithoutDisk ? new ImageLoadOptions { RefreshCached = true } : new ImageLoadOptions { FromNetworkOnly = true };
        using (var loaded = await manager.LoadImageAsync(url, fresh, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(450, loaded.Image.PixelWidth);
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        using var again = await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(100, again.Image.PixelWidth, "the thumbnail is of the version just loaded, not of the one before it");
    }

    [TestMethod]
    public async Task RefreshCached_200ReplacesTheImageWhileItsDiskStoreWaits_TheOldVersionsStoredThumbnailIsNotServed()
    {
        using var folder = new TempFolder();
        var image = new VersionedImage(Corpus.Read("baseline.jpeg"), Corpus.Read("fixture.png")); // thumbnails 100 x 66, 100 x 56
        await using var server = await LoopbackServer.StartAsync(image.Map, TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        var thumbnail = new ImageLoadOptions { ThumbnailPixelSize = new Size(100, 100) };
        using (var old = await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(66, old.Image.PixelHeight);
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        var disk = ((ImageCache)manager.Cache).Disk!;
        Assert.IsTrue(await disk.ContainsAsync(ImageKit.Caching.Internal.DiskVariant.KeyFor(url.AbsoluteUri, ImageKit.Decoding.ImageDecodeOptions.Default with { ThumbnailPixelSize = new Size(100, 100), SourceName = "x" }), TestContext.CancellationToken), "the old version's thumbnail is stored beside it");

        image.Version = 2;
        Task<ImageLoadResult> loading;
        using (Caching.IndexWriteLock.Hold(folder.Path))
        {
            // The new bytes wait to be written (another process holds the index); meanwhile a query reads them. The stale
            // thumbnail's removal waits for the lock too: the load is let go on after a moment, whatever it is doing.
            (await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
            loading = manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
            await Task.WhenAny(loading, Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.CancellationToken));
        }

        using var again = await loading;
        Assert.AreEqual(56, again.Image.PixelHeight, "the thumbnail is of the bytes waiting to be stored, not of the ones they replace");
    }

    [TestMethod]
    public async Task RefreshCached_304_RestartsTheExpiryOfTheKeptBytes()
    {
        using var folder = new TempFolder();
        var image = new VersionedImage();
        await using var server = await LoopbackServer.StartAsync(image.Map, TestContext.CancellationToken);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var manager = new ImageManager(
            new ImageCacheOptions
            {
                Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
                Disk = new DiskImageCacheOptions { Directory = folder.Path, MaxAge = TimeSpan.FromHours(1), ExpiryBasis = DiskCacheExpiryBasis.Stored, TimeProvider = clock },
            },
            ImageManagerTests.s_fastDownloads);
        var url = server.Url("/image");
        await LoadAndStoreAsync(manager, url);

        clock.Advance(TimeSpan.FromMinutes(50));
        using (var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Disk, refreshed.Source);
        }

        clock.Advance(TimeSpan.FromMinutes(20));
        var entry = await manager.Cache.GetEncodedAsync(url.AbsoluteUri, TestContext.CancellationToken);
        Assert.IsNotNull(entry, "70 minutes after the first store, 20 after the 304: the 304 restarted its age");
        Assert.AreEqual("\"v1\"", entry.Metadata.ETag);
        CollectionAssert.AreEqual(s_v1, entry.Data);
    }
}
