using System.Diagnostics;
using ImageKit.Decoding;
using ImageKit.Diagnostics;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Logging;

namespace ImageKit.Tests.Diagnostics;

/// <summary>
/// An app's logger, meter listener or activity listener that throws is the app's bug; a load must still end as it would
/// without it (the downloader already drops what they throw). Before, the exception came out of LoadImageAsync, a
/// successful load's result (and its lease on the image) was lost, and a failed load's own exception was replaced.
/// </summary>
[TestClass]
public sealed class ThrowingDiagnosticsListenerTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(1001)]
    [DataRow(1002)]
    public async Task LoadImageAsync_LoggerThrowsOnTheLoadsEvent_StillReturnsTheImage(int eventId)
    {
        using var logging = new ThrowingOnEventLoggerProvider(eventId);
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logging));
        await using var manager = new ImageManager(options: new ImageManagerOptions { LoggerFactory = loggerFactory });

        using var result = await manager.LoadImageAsync(GifUrl(), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(1, logging.Throws, "the logger was asked to log the event");
        Assert.AreEqual(Corpus.Get("TestImage.gif").FrameCount, result.Image.FrameCount);
    }

    [TestMethod]
    [DataRow(1003)]
    [DataRow(1006)]
    public async Task LoadImageAsync_LoggerThrowsOnTheFailure_FailsWithTheLoadsOwnException(int eventId)
    {
        using var logging = new ThrowingOnEventLoggerProvider(eventId);
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logging));
        await using var manager = new ImageManager(options: new ImageManagerOptions { LoggerFactory = loggerFactory });

        await Assert.ThrowsAsync<ImageDecodingException>(() => manager.LoadImageAsync(new Uri("data:application/octet-stream;base64,AAAAAAAA"), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(1, logging.Throws, "the logger was asked to log the event");
    }

    /// <summary>The downloader's retry and circuit breaker log from inside its resilience pipeline: a logger that threw there ended the download.</summary>
    [TestMethod]
    public async Task LoadImageAsync_LoggerThrowsOnTheRetry_StillRetriesAndReturnsTheImage()
    {
        await using var server = await FaultServer.StartAsync(TestContext.CancellationToken);
        using var logging = new ThrowingOnEventLoggerProvider(2004);
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logging));
        await using var manager = new ImageManager(
            new ImageKit.Caching.ImageCacheOptions(),
            new ImageKit.Loading.ImageDownloaderOptions { LoggerFactory = loggerFactory, Retry = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) } },
            new ImageManagerOptions { LoggerFactory = loggerFactory });

        using var result = await manager.LoadImageAsync(server.Url("/flaky"), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(1, logging.Throws, "the logger was asked to log the retry");
        Assert.AreEqual(Corpus.Get("TestImage.gif").FrameCount, result.Image.FrameCount);
    }

    [TestMethod]
    public async Task LoadImageAsync_LoggerThrowsWhenTheCircuitOpens_FailsWithTheDownloadsOwnException()
    {
        await using var server = await FaultServer.StartAsync(TestContext.CancellationToken);
        using var logging = new ThrowingOnEventLoggerProvider(2005);
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logging));
        await using var manager = new ImageManager(
            new ImageKit.Caching.ImageCacheOptions(),
            new ImageKit.Loading.ImageDownloaderOptions
            {
                LoggerFactory = loggerFactory,
                Retry = new() { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
                CircuitBreaker = new() { MinimumThroughput = 2 },
            });

        await Assert.ThrowsAsync<ImageKit.Loading.ImageDownloadException>(() => manager.LoadImageAsync(server.Url("/down"), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(1, logging.Throws, "the logger was asked to log the opening");
    }

    [TestMethod]
    public async Task LoadImageAsync_MeterListenerThrowsOnEveryMeasurement_StillLoadsFromTheSourceAndFromMemory()
    {
        using var meters = new ScopedMeterFactory();
        using var listener = new ThrowingMeterListener(meters);
        await using var manager = new ImageManager(
            new ImageKit.Caching.ImageCacheOptions { MeterFactory = meters },
            options: new ImageManagerOptions { MeterFactory = meters });
        var url = GifUrl();

        using (var first = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        using (var second = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, first.Source);
            Assert.AreEqual(ImageLoadSource.Memory, second.Source);
        }

        Assert.IsGreaterThan(0, listener.Thrown, "the listener was called");
    }

    [TestMethod]
    public async Task LoadImageAsync_ActivityListenerThrowsOnStartAndStop_StillReturnsTheImage()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var thrown = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == ImageKitDiagnostics.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity => ThrowIfOurs(activity.Parent),
            ActivityStopped = activity => ThrowIfOurs(activity),
        };
        ActivitySource.AddActivityListener(listener);
        await using var manager = new ImageManager();

        using var result = await manager.LoadImageAsync(GifUrl(marker), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Corpus.Get("TestImage.gif").FrameCount, result.Image.FrameCount);
        Assert.IsGreaterThan(0, Volatile.Read(ref thrown), "the listener was called");

        // Only this test's load: listeners are process-wide, and other tests load at the same time.
        void ThrowIfOurs(Activity? activity)
        {
            for (var a = activity; a is not null; a = a.Parent)
            {
                if (a.GetTagItem("url.full") is string url && url.Contains(marker, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref thrown);
                    throw new InvalidOperationException("listener bug");
                }
            }
        }
    }

    private static Uri GifUrl(string? marker = null) =>
        new($"data:image/gif;m={marker ?? Guid.NewGuid().ToString("N")[..8]};base64,{Convert.ToBase64String(Corpus.Read("TestImage.gif"))}");
}
