using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A host named in Unicode (<c>bücher.example</c>) and in punycode (<c>xn--bcher-kva.example</c>, where the request goes
/// either way) is one host: concurrent requests for one image by both spellings share one HTTP request.
/// <see cref="Uri.AbsoluteUri"/> keeps the Unicode spelling, so a key made from it alone told them apart.
/// </summary>
[TestClass]
public sealed class ImageDownloaderIdnKeyTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context) =>
        s_server = await ImageServer.StartAsync((_, _) => { }, context.CancellationToken);

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task DownloadAsync_OneImageByItsUnicodeAndItsPunycodeHost_SharesOneRequest()
    {
        using var downloader = new ImageDownloader(ToLoopback());
        var gate = s_server.GateFor("idn-shared");

        var unicode = downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://bücher.example/gate/idn-shared")), cancellationToken: TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var punycode = downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://xn--bcher-kva.example/gate/idn-shared")), cancellationToken: TestContext.CancellationToken);
        var sharing = downloader.TrackedDownloads;
        gate.Release.TrySetResult();
        await Task.WhenAll(unicode, punycode).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        Assert.AreEqual(1, sharing, "both spellings in one shared download");
        Assert.AreEqual(1, s_server.Hits("/gate/idn-shared"));
    }

    [TestMethod]
    public async Task DownloadAsync_TwoAsciiHostsDifferingInCase_StillShareOneRequest()
    {
        using var downloader = new ImageDownloader(ToLoopback());
        var gate = s_server.GateFor("ascii-shared");

        var lower = downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://books.example/gate/ascii-shared")), cancellationToken: TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var upper = downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://BOOKS.example/gate/ascii-shared")), cancellationToken: TestContext.CancellationToken);
        var other = downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://books.example.org/gate/ascii-shared")), cancellationToken: TestContext.CancellationToken);
        var tracked = downloader.TrackedDownloads;
        gate.Release.TrySetResult();
        await Task.WhenAll(lower, upper, other).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        Assert.AreEqual(2, tracked, "one download per host");
    }

    // Every request goes to the loopback server, whatever host it names.
    private static ImageDownloaderOptions ToLoopback()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.RequestModifier = (message, _) =>
        {
            message.RequestUri = s_server.Url(message.RequestUri!.AbsolutePath);
            return default;
        };
        return options;
    }
}
