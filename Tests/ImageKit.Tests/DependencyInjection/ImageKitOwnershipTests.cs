using System.Runtime.CompilerServices;
using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ImageKit.Tests.DependencyInjection;

/// <summary>What the container disposes: what it created, never what the application registered as an instance.</summary>
[TestClass]
public sealed class ImageKitOwnershipTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AddImageKit_ImageCacheInstanceRegisteredBefore_StaysUsableAfterTheContainerIsDisposed()
    {
        using var folder = new TempFolder();
        await using var cache = new ImageCache(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Combine("cache") } });
        var services = new ServiceCollection().AddSingleton(cache).AddImageKit().BuildServiceProvider();
        Assert.AreSame(cache, services.GetRequiredService<ImageManager>().Cache);

        await services.DisposeAsync();

        var stats = await cache.Disk!.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(0, stats.EntryCount);
    }

    [TestMethod]
    public async Task AddImageKit_ContainerCreatedCache_IsDisposedWithTheContainer()
    {
        using var folder = new TempFolder();
        var services = new ServiceCollection().AddImageKit(o => o.DiskCache.Folder = folder.Combine("cache")).BuildServiceProvider();
        var cache = services.GetRequiredService<ImageCache>();
        _ = services.GetRequiredService<ImageManager>();

        await services.DisposeAsync();

        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => cache.Disk!.GetStatisticsAsync(TestContext.CancellationToken));
    }

    // The HTTP handler ImageKit builds for its named client (its connection pool, its sockets) was never disposed with
    // the container: IHttpClientFactory does not dispose the handlers it holds when it is disposed, so a connection to an
    // image server stayed open after the container was gone, until the pool's idle timeout (a minute) closed it.
    [TestMethod]
    public async Task AddImageKit_ContainerDisposed_ClosesTheConnectionsOfItsHttpHandler()
    {
        var token = TestContext.CancellationToken;
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/a.gif", (HttpContext context) =>
            {
                context.Features.Get<IConnectionLifetimeFeature>()!.ConnectionClosed.Register(() => closed.TrySetResult());
                return ImageServer.WriteAsync(context, ImageServer.Gif);
            }),
            token);
        var services = new ServiceCollection().AddImageKit(o => o.DiskCache.Enabled = false).BuildServiceProvider();
        var downloader = services.GetRequiredService<ImageDownloader>();
        _ = await downloader.DownloadAsync(new ImageDownloadRequest(server.Url("/a.gif")), cancellationToken: token);
        Assert.IsFalse(closed.Task.IsCompleted, "precondition: the connection is kept alive for reuse");

        await services.DisposeAsync();

        await closed.Task.WaitAsync(DownloadTestOptions.Patience, token);
    }

    // The named client's handler had IHttpClientFactory's default lifetime of two minutes: its expiry timer held the
    // factory, and through it the container with the cache, the downloader and the manager, for two minutes after the
    // container was disposed (the downloader keeps one client for its lifetime, so the rotation never reached it anyway).
    [TestMethod]
    public void AddImageKit_ContainerDisposed_IsCollectedWithWhatItCreated()
    {
        var references = CreateResolveAndDispose();

        Assert.IsTrue(Leaks.CollectUntil(() => references.All(r => !r.TryGetTarget(out _))), "the disposed container and its services are collected");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference<object>> CreateResolveAndDispose()
    {
        var services = new ServiceCollection().AddImageKit(o =>
        {
            o.DiskCache.Enabled = false;
            o.WarmUp = false;
        }).BuildServiceProvider();
        var manager = services.GetRequiredService<ImageManager>();
        List<WeakReference<object>> references = [new(services), new(manager), new(manager.Cache), new(manager.Downloader)];
        services.Dispose();
        return references;
    }
}
