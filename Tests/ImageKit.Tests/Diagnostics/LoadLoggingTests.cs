using ImageKit.Diagnostics;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Logging;

namespace ImageKit.Tests.Diagnostics;

[TestClass]
public sealed class LoadLoggingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_HitAndMiss_LogsStableEventsAndNeverAnError()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();

        using (await harness.Manager.LoadImageAsync(server.Image("TestImage.gif"), cancellationToken: TestContext.CancellationToken))
        {
        }

        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<ImageKitException>(() => harness.Manager.LoadImageAsync(server.Url("/missing"), cancellationToken: TestContext.CancellationToken));
        }

        var records = harness.Logs.GetSnapshot();
        var seen = records.Select(r => $"{r.Category} {r.Id.Id} {r.Level}").ToHashSet();
        foreach (var expected in new[]
        {
            $"{ImageKitDiagnostics.ImageManagerCategory} 1001 Debug",
            $"{ImageKitDiagnostics.ImageManagerCategory} 1002 Debug",
            $"{ImageKitDiagnostics.ImageManagerCategory} 1003 Debug",
            $"{ImageKitDiagnostics.ImageManagerCategory} 1005 Debug",
            $"{ImageKitDiagnostics.ImageDownloaderCategory} 2001 Debug",
            $"{ImageKitDiagnostics.ImageDownloaderCategory} 2002 Debug",
            $"{ImageKitDiagnostics.ImageDownloaderCategory} 2003 Information",
        })
        {
            Assert.Contains(expected, seen, $"missing {expected}; saw: {string.Join(", ", seen)}");
        }

        Assert.IsFalse(records.Any(r => r.Level >= LogLevel.Error), "an expected miss must not log an error");
        Assert.AreEqual(1, records.Count(r => r.Id.Id == 2003), "the fast fail must not download again");
        var finished = records.Single(r => r.Id.Id == 1002);
        Assert.Contains("TestImage.gif", finished.Message);
        Assert.Contains("from Network", finished.Message);
        Assert.Contains(": HTTP/1.1 200, ", records.Single(r => r.Id.Id == 2002).Message, "the download line names the protocol version");
    }

    [TestMethod]
    public async Task LoadImageAsync_TransientFailure_CountsRetryAndLogsWarning()
    {
        await using var server = await FaultServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        using var retries = harness.Collect<long>(ImageKitDiagnostics.DownloadRetries);

        using (await harness.Manager.LoadImageAsync(server.Url("/flaky"), cancellationToken: TestContext.CancellationToken))
        {
        }

        Assert.AreEqual(1, retries.GetMeasurementSnapshot().Sum(m => m.Value));
        var retry = harness.Logs.GetSnapshot().Single(r => r.Id.Id == 2004);
        Assert.AreEqual(LogLevel.Warning, retry.Level);
        Assert.Contains("HTTP 503", retry.Message);
    }

    [TestMethod]
    public async Task LoadImageAsync_HostKeepsFailing_CountsCircuitBreakAndLogsWarning()
    {
        await using var server = await FaultServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness(o =>
        {
            o.Downloader.Retry.MaxRetries = 1;
            o.Downloader.CircuitBreaker.MinimumThroughput = 2;
        });
        using var breaks = harness.Collect<long>(ImageKitDiagnostics.CircuitBreaks);

        await Assert.ThrowsAsync<ImageKitException>(() => harness.Manager.LoadImageAsync(server.Url("/down"), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(1, breaks.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.AreEqual(LogLevel.Warning, harness.Logs.GetSnapshot().Single(r => r.Id.Id == 2005).Level);
    }

    [TestMethod]
    public async Task LoadImageAsync_UndecodableBytes_LogsDecodeFailureAndRecordsFailedDecode()
    {
        await using var server = await FaultServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        using var decodes = harness.Collect<double>(ImageKitDiagnostics.DecodeDuration);

        await Assert.ThrowsAsync<ImageKitException>(() => harness.Manager.LoadImageAsync(server.Url("/broken.gif"), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(LogLevel.Warning, harness.Logs.GetSnapshot().Single(r => r.Id.Id == 1006).Level);
        Assert.AreEqual("failure", decodes.GetMeasurementSnapshot().Single().Tags["imagekit.decode.outcome"]);
    }

    // The logs name a URL as the caller gave it, as the exceptions do: Uri.ToString() showed "a%20b%41.gif" as "a bA.gif".
    [TestMethod]
    public async Task LoadImageAsync_Fails_LogsTheUrlAsGiven()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness(o => o.Downloader.Retry.MaxRetries = 0);
        var url = new Uri(server.Url("/img/").AbsoluteUri + "no%20such%20image%41.gif");

        await Assert.ThrowsAsync<ImageKitException>(() => harness.Manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        var records = harness.Logs.GetSnapshot();
        foreach (var id in new[] { 1001, 1003, 2001, 2003 })
        {
            Assert.Contains(url.OriginalString, records.Single(r => r.Id.Id == id).Message, $"event {id}");
        }
    }
}
