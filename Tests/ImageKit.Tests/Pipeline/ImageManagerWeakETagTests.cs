using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A 304 vouches for the cached bytes when its entity tag matches theirs by the weak comparison (RFC 9110 §8.8.3.2, which
/// RFC 9111 §4.3.4 uses to select the stored response a 304 describes): a server or CDN that marks the tag weak in its
/// 304 (<c>W/"v1"</c> for the <c>"v1"</c> it sent with the bytes, or the other way round) confirms the same bytes, and the
/// refresh must not download them again.
/// </summary>
[TestClass]
public sealed class ImageManagerWeakETagTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("\"v1\"", "W/\"v1\"", DisplayName = "stored strong, 304 weak")]
    [DataRow("W/\"v1\"", "\"v1\"", DisplayName = "stored weak, 304 strong")]
    [DataRow("W/\"v1\"", "W/\"v1\"", DisplayName = "both weak")]
    public async Task RefreshCached_304WithTheSameTagMarkedOtherwiseWeak_KeepsTheCachedBytesWithoutAnotherDownload(string sentWithTheBytes, string sentWith304)
    {
        using var folder = new TempFolder();
        var requests = 0;
        var bodies = 0;
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/image", async context =>
            {
                Interlocked.Increment(ref requests);
                if (context.Request.Headers.IfNoneMatch.Count > 0)
                {
                    context.Response.Headers.ETag = sentWith304;
                    context.Response.StatusCode = StatusCodes.Status304NotModified;
                    return;
                }

                Interlocked.Increment(ref bodies);
                context.Response.Headers.ETag = sentWithTheBytes;
                context.Response.ContentType = "image/png";
                await context.Response.Body.WriteAsync(Corpus.Read("arrow.png"));
            }),
            TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        using var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Disk, refreshed.Source, "the 304 confirmed the cached bytes");
        Assert.AreEqual(1, bodies, "the image was downloaded once");
        Assert.AreEqual(2, requests);
    }

    [TestMethod]
    public async Task RefreshCached_304NamingAnotherTagMarkedWeak_LoadsTheImageAgain()
    {
        using var folder = new TempFolder();
        var bodies = 0;
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/image", async context =>
            {
                if (context.Request.Headers.IfNoneMatch.Count > 0)
                {
                    context.Response.Headers.ETag = "W/\"v2\"";
                    context.Response.StatusCode = StatusCodes.Status304NotModified;
                    return;
                }

                Interlocked.Increment(ref bodies);
                context.Response.Headers.ETag = "\"v1\"";
                context.Response.ContentType = "image/png";
                await context.Response.Body.WriteAsync(Corpus.Read("arrow.png"));
            }),
            TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var url = server.Url("/image");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        using var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Network, refreshed.Source, "a 304 for another tag does not vouch for the cached bytes");
        Assert.AreEqual(2, bodies);
    }
}
