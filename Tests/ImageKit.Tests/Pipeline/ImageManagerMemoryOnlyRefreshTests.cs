using System.Drawing;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A load past the disk tier (<see cref="ImageLoadOptions.RefreshCached"/> or <see cref="ImageLoadOptions.FromNetworkOnly"/>
/// that keeps its result off the disk: <c>CacheType = Memory</c>, or a <c>no-store</c> answer) learns that the image has
/// a new version: the old version's disk copy must not answer a later load that misses the memory cache.
/// </summary>
[TestClass]
public sealed class ImageManagerMemoryOnlyRefreshTests
{
    private static readonly byte[] s_v1 = Corpus.Read("arrow.png");      // 187 x 312
    private static readonly byte[] s_v2 = Corpus.Read("baseline.jpeg");  // 450 x 300

    public TestContext TestContext { get; set; } = null!;

    public enum PastTheDisk
    {
        RefreshMemoryOnly,
        RefreshNoCaches,
        FromNetworkMemoryOnly,
    }

    private static ImageLoadOptions OptionsFor(PastTheDisk how) => how switch
    {
        PastTheDisk.RefreshMemoryOnly => new ImageLoadOptions { RefreshCached = true, CacheType = ImageCacheType.Memory },
        PastTheDisk.RefreshNoCaches => new ImageLoadOptions { RefreshCached = true, CacheType = ImageCacheType.None },
        _ => new ImageLoadOptions { FromNetworkOnly = true, CacheType = ImageCacheType.Memory },
    };

    [TestMethod]
    [DataRow(PastTheDisk.RefreshMemoryOnly)]
    [DataRow(PastTheDisk.RefreshNoCaches)]
    [DataRow(PastTheDisk.FromNetworkMemoryOnly)]
    public async Task LoadPastTheDiskKeptOffIt_GetsANewVersion_AThumbnailLoadedLaterIsNotOfTheOldDiskCopy(PastTheDisk how)
    {
        using var folder = new TempFolder();
        var image = new ImageManagerReplacedImageTests.VersionedImage();
        await using var server = await LoopbackServer.StartAsync(image.Map, TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        image.Version = 2;
        using (var refreshed = await manager.LoadImageAsync(url, OptionsFor(how), cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(450, refreshed.Image.PixelWidth, "the 200 brought the new version");
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        using var thumbnail = await manager.LoadImageAsync(url, new ImageLoadOptions { ThumbnailPixelSize = new Size(100, 100) }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(100, thumbnail.Image.PixelWidth, $"the thumbnail is of the new version (100 x 66), not of the old one on disk (60 x 100); source {thumbnail.Source}");
    }

    [TestMethod]
    public async Task RefreshMemoryOnly_GetsANewVersion_AFullLoadAfterTheMemoryCacheIsClearedIsNotOfTheOldDiskCopy()
    {
        using var folder = new TempFolder();
        var image = new ImageManagerReplacedImageTests.VersionedImage();
        await using var server = await LoopbackServer.StartAsync(image.Map, TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        image.Version = 2;
        (await manager.LoadImageAsync(url, OptionsFor(PastTheDisk.RefreshMemoryOnly), cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.Cache.ClearAsync(ImageCacheType.Memory, TestContext.CancellationToken);

        using var later = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(450, later.Image.PixelWidth, $"the new version, not the old one on disk; source {later.Source}");
    }

    [TestMethod]
    public async Task RefreshMemoryOnly_200WithTheSameBytes_KeepsTheDiskCopy()
    {
        using var folder = new TempFolder();
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/image", async context =>
            {
                Interlocked.Increment(ref requests);
                context.Response.ContentType = "image/png";
                await context.Response.Body.WriteAsync(s_v1); // no validators: every refresh is a 200
            }),
            TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        (await manager.LoadImageAsync(url, OptionsFor(PastTheDisk.RefreshMemoryOnly), cancellationToken: TestContext.CancellationToken)).Dispose();

        var entry = await manager.Cache.GetEncodedAsync(url.AbsoluteUri, TestContext.CancellationToken);
        Assert.IsNotNull(entry, "the disk copy is the version the server sent: it stays");
        CollectionAssert.AreEqual(s_v1, entry.Data);
        Assert.AreEqual(2, requests);
    }

    [TestMethod]
    public async Task FromNetworkOnly_NoStore200WithANewVersion_TheEarlierDiskCopyIsRemoved()
    {
        using var folder = new TempFolder();
        var version = 1;
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/image", async context =>
            {
                var current = Volatile.Read(ref version);
                if (current == 2)
                {
                    context.Response.Headers.CacheControl = "no-store";
                }

                context.Response.ContentType = "application/octet-stream";
                await context.Response.Body.WriteAsync(current == 1 ? s_v1 : s_v2);
            }),
            TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        Volatile.Write(ref version, 2);
        (await manager.LoadImageAsync(url, new ImageLoadOptions { FromNetworkOnly = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        Assert.IsNull(await manager.Cache.GetEncodedAsync(url.AbsoluteUri, TestContext.CancellationToken), "the no-store answer's version replaced the one on disk, which must not outlive it");
    }
}
