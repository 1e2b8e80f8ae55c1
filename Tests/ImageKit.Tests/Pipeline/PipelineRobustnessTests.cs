using System.Net;
using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SkiaSharp;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// The loading pipeline under failing app callbacks, disposal and cancellation races (found by an audit, each test failed on
/// the code before its fix): each test states the promise it checks.
/// </summary>
[TestClass]
public sealed class PipelineRobustnessTests
{
    private const int Chunks = 10;
    private static readonly byte[] s_jpeg = MakeJpeg(480, 360);
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, server) =>
            {
                app.MapGet("/image/{name}", http => ImageServer.WriteAsync(http, ImageServer.Gif));
                app.MapGet("/status/{code:int}", (HttpContext http, int code) => http.Response.StatusCode = code);
                app.MapGet("/slow/{n}", async (HttpContext http, string n) =>
                {
                    http.Response.ContentType = "image/jpeg";
                    http.Response.ContentLength = s_jpeg.Length;
                    var chunk = (s_jpeg.Length + Chunks - 1) / Chunks;
                    for (var offset = 0; offset < s_jpeg.Length; offset += chunk)
                    {
                        await http.Response.Body.WriteAsync(s_jpeg.AsMemory(offset, Math.Min(chunk, s_jpeg.Length - offset)));
                        await http.Response.Body.FlushAsync();
                        await Task.Delay(60);
                    }
                });
                app.MapGet("/stall/{n}", async (HttpContext http, string n) =>
                {
                    var gate = server.GateFor("stall-" + n);
                    http.RequestAborted.Register(() => gate.Aborted.TrySetResult());
                    gate.Arrived.TrySetResult();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, http.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    // Promise: progress handlers cannot break a load ("Exceptions it throws are ignored" for the downloader's progress;
    // byte reports through the manager are swallowed the same way). A handler that throws on a *preview* report instead
    // fails the whole load with the handler's exception, although the image downloaded and decoded fine.
    [TestMethod]
    public async Task Progressive_HandlerThrowsOnPreview_LoadStillSucceeds()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var previews = 0;
        var progress = new SynchronousProgress<ImageLoadProgress>(p =>
        {
            if (p.Preview is { } preview)
            {
                preview.Dispose();
                Interlocked.Increment(ref previews);
                throw new InvalidOperationException("handler bug");
            }
        });

        Exception? failure = null;
        try
        {
            using var result = await manager.LoadImageAsync(s_server.Url("/slow/throwing-preview"), new ImageLoadOptions { Progressive = true }, progress, TestContext.CancellationToken);
        }
        catch (Exception e)
        {
            failure = e;
        }

        Assert.IsGreaterThan(0, previews, "precondition: a preview was reported");
        Assert.IsNull(failure, $"the load failed with the progress handler's exception: {failure}");
    }

    // Promise: a shared download always completes its waiters. A logger (user-supplied ILoggerFactory) that throws while
    // the download reports its failure leaves Completion unset: every waiter hangs forever.
    [TestMethod]
    public async Task ThrowingLogger_OnFailure_WaitersStillComplete()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.LoggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new ThrowingProvider(LogLevel.Information)));
        using var downloader = new ImageDownloader(options);

        var download = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/404")), cancellationToken: TestContext.CancellationToken);
        var finished = await Task.WhenAny(download, Task.Delay(TimeSpan.FromSeconds(5), TestContext.CancellationToken));

        Assert.AreSame(download, finished, "the waiter never completes: Completion was never set");
    }

    // Same, with the Debug-level "Downloading {Url}" log that runs before RunAsync's try block: RunAsync faults, the
    // queue discards its task (unobserved) and the waiter hangs.
    [TestMethod]
    public async Task ThrowingLogger_OnStart_WaitersStillComplete()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.LoggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new ThrowingProvider(LogLevel.Debug)));
        using var downloader = new ImageDownloader(options);

        var download = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/logger-start")), cancellationToken: TestContext.CancellationToken);
        var finished = await Task.WhenAny(download, Task.Delay(TimeSpan.FromSeconds(5), TestContext.CancellationToken));

        Assert.AreSame(download, finished, "the waiter never completes");
    }

    // Promise (ImagePrefetcher.PrefetchAsync): "Failures are counted and collected, never thrown". A progress handler
    // that throws makes PrefetchAsync throw the handler's exception (and counts the finished URL as failed too).
    [TestMethod]
    public async Task Prefetch_ProgressHandlerThrows_NeverThrownAndCountsStayConsistent()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var prefetcher = new ImagePrefetcher(manager) { Options = new ImageLoadOptions { CacheType = ImageCacheType.Memory } };
        var progress = new SynchronousProgress<ImagePrefetchProgress>(_ => throw new InvalidOperationException("handler bug"));

        Exception? failure = null;
        try
        {
            await prefetcher.PrefetchAsync([s_server.Url("/image/prefetch-a"), s_server.Url("/image/prefetch-b")], progress, TestContext.CancellationToken);
        }
        catch (Exception e)
        {
            failure = e;
        }

        Assert.IsNull(failure, $"PrefetchAsync threw the progress handler's exception: {failure}");
    }

    // Promise: disposing the manager cancels what is in flight (callers get OperationCanceledException, or a clear
    // ImageKitException). A load in a non-HTTP loader (or decoding/storing) when the manager is disposed is not cancelled:
    // it runs on and meets the disposed memory cache, and its caller gets ObjectDisposedException.
    [TestMethod]
    public async Task ManagerDispose_LoadInFlightInACustomLoader_IsCancelledNotObjectDisposed()
    {
        var manager = new ImageManager(new ImageCacheOptions());
        var loader = new GatedLoader();
        manager.Loaders.Insert(0, loader);

        var load = manager.LoadImageAsync(new Uri("gated://x/1"), cancellationToken: TestContext.CancellationToken);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await manager.DisposeAsync();
        var tokenCancelledByDispose = loader.Token.IsCancellationRequested;
        loader.Release.TrySetResult();

        Exception? failure = null;
        try
        {
            using var result = await load.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        }
        catch (Exception e)
        {
            failure = e;
        }

        Assert.IsTrue(tokenCancelledByDispose, "Dispose cancelled the loader's token");
        Assert.IsInstanceOfType<OperationCanceledException>(failure, $"got {failure?.GetType().Name}: {failure?.Message}");
    }

    // Promise: an open circuit stays open until a trial request succeeds. A half-open trial that its caller cancels is
    // an unhandled outcome for Polly (IsTransient says false for OperationCanceledException), which counts as success and
    // closes the circuit although the host never answered.
    [TestMethod]
    public async Task CircuitHalfOpen_TrialCancelledByCaller_DoesNotCloseTheCircuit()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.TimeProvider = time;
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(20) };
        using var downloader = new ImageDownloader(options);
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        time.Advance(TimeSpan.FromSeconds(21));

        using (var cts = new CancellationTokenSource())
        {
            var trial = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/stall/trial")), cancellationToken: cts.Token);
            await s_server.GateFor("stall-trial").Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
            await cts.CancelAsync();
            await Assert.ThrowsAsync<OperationCanceledException>(() => trial);
            await s_server.GateFor("stall-trial").Aborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        }

        await WaitUntilAsync(() => downloader.ActiveDownloads == 0);
        var next = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, next.Failure, $"the cancelled trial closed the circuit: the next request was sent ({next.Message})");
    }

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string path) =>
        downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), cancellationToken: TestContext.CancellationToken);

    private async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + DownloadTestOptions.Patience;
        while (!condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "timed out waiting");
            await Task.Delay(5, TestContext.CancellationToken);
        }
    }

    private static byte[] MakeJpeg(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height), [SKColors.Navy, SKColors.Orange], SKShaderTileMode.Clamp) })
        {
            canvas.DrawRect(0, 0, width, height, paint);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    private sealed class GatedLoader : IImageLoader
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken Token { get; private set; }

        public bool CanLoad(Uri url) => url.Scheme == "gated";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Token = cancellationToken;
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return new ImageLoaderResponse(request.Url, ImageServer.Gif);
        }
    }

    private sealed class ThrowingProvider(LogLevel level) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ThrowingLogger(level);

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger(LogLevel level) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= level;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel == level)
                {
                    throw new InvalidOperationException("logger bug");
                }
            }
        }
    }
}
