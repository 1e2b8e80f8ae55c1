using ImageKit.Loading;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Promise (README "Logging": failures the SDK contains are logged with an event id). A callback the app registered on a
/// download's token (in a request modifier, in its own message handler) that threw when the download was cancelled, by
/// its last caller leaving or by <see cref="ImageDownloader.Dispose"/>, was caught and dropped without a trace, where
/// <see cref="ImageManager.Dispose"/> logs the same case (event 1011).
/// </summary>
[TestClass]
public sealed class ImageDownloaderCancellationCallbackLogTests
{
    private const int DownloadCancellationCallbackFailedEvent = 2008;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(false, DisplayName = "the last caller leaves")]
    [DataRow(true, DisplayName = "the downloader is disposed")]
    public async Task DownloadCancelled_AnAppCallbackOnItsTokenThrows_TheCallbacksFailureIsLogged(bool dispose)
    {
        var token = TestContext.CancellationToken;
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.LoggerFactory = loggers;
        options.RequestModifier = async (_, downloadToken) =>
        {
            downloadToken.Register(static () => throw new InvalidOperationException("app bug in a cancellation callback"));
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, downloadToken);
        };
        var downloader = new ImageDownloader(options);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);

            // The modifier runs before anything is sent: no server is needed, the request never leaves.
            var download = downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://127.0.0.1:9/a.gif")), cancellationToken: cts.Token);
            await entered.Task.WaitAsync(DownloadTestOptions.Patience, token);
            if (dispose)
            {
                downloader.Dispose();
            }
            else
            {
                await cts.CancelAsync();
            }

            await Assert.ThrowsAsync<OperationCanceledException>(() => download.WaitAsync(DownloadTestOptions.Patience, token));
        }
        finally
        {
            downloader.Dispose();
        }

        var logged = logs.GetSnapshot().Where(r => r.Id.Id == DownloadCancellationCallbackFailedEvent).ToList();
        Assert.HasCount(1, logged, "the callback's exception was dropped without being logged: " + string.Join(" | ", logs.GetSnapshot().Select(r => $"{r.Id.Id} {r.Message}")));
        Assert.AreEqual(LogLevel.Warning, logged[0].Level);
        Assert.AreEqual("DownloadCancellationCallbackFailed", logged[0].Id.Name);
        Assert.AreEqual(ImageKit.Diagnostics.ImageKitDiagnostics.ImageDownloaderCategory, logged[0].Category);
        Assert.Contains("app bug in a cancellation callback", logged[0].Message);
        Assert.IsInstanceOfType<InvalidOperationException>(logged[0].Exception);
    }
}
