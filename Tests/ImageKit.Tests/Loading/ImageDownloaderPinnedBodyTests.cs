using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A body kept for a deferred disk store is read into an array on the pinned object heap, which the decoded image then
/// keeps as its encoded data instead of copying it. The response says so only when that holds.
/// </summary>
[TestClass]
public sealed class ImageDownloaderPinnedBodyTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, _) =>
            {
                app.MapGet("/sized/{id}", context => ImageServer.WriteAsync(context, ImageServer.Gif));
                app.MapGet("/chunked/{id}", async context =>
                {
                    context.Response.ContentType = "image/gif";
                    await context.Response.Body.WriteAsync(ImageServer.Gif.AsMemory(0, 100), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await context.Response.Body.WriteAsync(ImageServer.Gif.AsMemory(100), context.RequestAborted);
                });
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    [DataRow("sized", true, true)]
    [DataRow("sized", false, false)]
    [DataRow("chunked", true, false)]
    [DataRow("chunked", false, false)]
    public async Task DownloadAsync_DataIsPinnedOnlyForAKeptBodyOfDeclaredLength(string route, bool keepsBody, bool pinned)
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));
        var url = s_server.Url($"/{route}/{Guid.NewGuid():N}");

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(url) { KeepsBody = keepsBody }, cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(ImageServer.Gif, response.Data.ToArray());
        Assert.AreEqual(pinned, response.DataIsPinned);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task HttpImageLoader_CarriesWhetherTheBodyIsPinned(bool keepsBody)
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));
        var loader = new HttpImageLoader(downloader);
        var url = s_server.Url($"/sized/{Guid.NewGuid():N}");

        var response = await loader.LoadAsync(new ImageLoaderRequest(url) { KeepsBody = keepsBody }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(keepsBody, response.DataIsPinned);
    }
}
