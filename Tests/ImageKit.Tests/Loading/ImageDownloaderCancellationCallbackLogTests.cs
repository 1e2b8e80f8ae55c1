using System.Collections.Concurrent;
using System.Diagnostics;
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

    // The attempt timeout cancels the attempt's token from a timer: an app callback on that token that threw sent the
    // exception out of the timer callback, which on the system clock is an unhandled exception that ends the process.
    // The clock below runs real timers and records what escapes them instead of letting it end the test host.
    [TestMethod]
    public Task AttemptTimesOut_AnAppCallbackOnItsTokenThrows_NothingEscapesTheTimerAndTheFailureIsLogged() =>
        AssertAttemptTimeoutContainsTheCallbacksFailureAsync(client: null, options => options.RequestModifier = async (_, attemptToken) =>
        {
            attemptToken.Register(static () => throw new InvalidOperationException("app bug in a cancellation callback"));
            await Task.Delay(Timeout.Infinite, attemptToken);
        });

    [TestMethod]
    public async Task AttemptTimesOut_AHandlerOfTheAppsOwnClientRegistersACallbackThatThrows_NothingEscapesTheTimerAndTheFailureIsLogged()
    {
        using var client = new HttpClient(new CallbackRegisteringHandler());
        await AssertAttemptTimeoutContainsTheCallbacksFailureAsync(client, _ => { });
    }

    private async Task AssertAttemptTimeoutContainsTheCallbacksFailureAsync(HttpClient? client, Action<ImageDownloaderOptions> configure)
    {
        var token = TestContext.CancellationToken;
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        var clock = new EscapeRecordingClock();
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.AttemptTimeout = TimeSpan.FromMilliseconds(50);
        options.TimeProvider = clock;
        options.LoggerFactory = loggers;
        configure(options);
        using var downloader = client is null ? new ImageDownloader(options) : new ImageDownloader(client, options);

        var failure = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://127.0.0.1:9/a.gif")), cancellationToken: token).WaitAsync(DownloadTestOptions.Patience, token));

        Assert.AreEqual(ImageDownloadFailure.Timeout, failure.Failure);
        Assert.IsEmpty(clock.Escaped, "an exception escaped a timer callback (on the system clock, the process would have ended): " + string.Join(" | ", clock.Escaped));
        var logged = logs.GetSnapshot().Where(r => r.Id.Id == DownloadCancellationCallbackFailedEvent).ToList();
        Assert.HasCount(1, logged, "the callback's exception was not logged: " + string.Join(" | ", logs.GetSnapshot().Select(r => $"{r.Id.Id} {r.Message}")));
        Assert.IsInstanceOfType<InvalidOperationException>(logged[0].Exception);
    }

    /// <summary>An app's handler that registers a throwing callback on the request's token and never answers.</summary>
    private sealed class CallbackRegisteringHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.Register(static () => throw new InvalidOperationException("app bug in a cancellation callback"));
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new UnreachableException();
        }
    }

    /// <summary>The system clock, whose timer callbacks hand what they throw to <see cref="Escaped"/> instead of the thread pool.</summary>
    private sealed class EscapeRecordingClock : TimeProvider
    {
        public ConcurrentQueue<Exception> Escaped { get; } = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(
                s =>
                {
                    try
                    {
                        callback(s);
                    }
                    catch (Exception e)
                    {
                        Escaped.Enqueue(e);
                    }
                },
                state,
                dueTime,
                period);
    }
}
