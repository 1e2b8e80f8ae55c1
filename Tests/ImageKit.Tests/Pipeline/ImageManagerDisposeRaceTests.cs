using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// Work of a manager that races its disposal: once Dispose has returned, nothing of the manager touches the caches (the
/// README lets the app dispose a cache it passed in right after).
/// </summary>
[TestClass]
public sealed class ImageManagerDisposeRaceTests
{
    private const int UndecodableFrameForgottenEvent = 1008;
    private const int CancellationCallbackFailedEvent = 1011;
    private static readonly string s_broken = Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", "undecodable-animation.gif");

    public TestContext TestContext { get; set; } = null!;

    // A frame of an image the app keeps fails to decode while its manager is being disposed: the manager's handler had
    // checked that it was not disposed, then went on to remove the image from the caches after Dispose had returned.
    [TestMethod]
    public async Task FrameFailsAsTheManagerIsDisposed_TheCachesAreNotTouchedAfterDisposeReturned()
    {
        var token = TestContext.CancellationToken;
        using var cache = new ImageCache(new ImageCacheOptions());
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        using var gate = new GatedLoggerProvider(UndecodableFrameForgottenEvent);
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(gate));
        var manager = new ImageManager(cache, downloader, new ImageManagerOptions { LoggerFactory = loggerFactory });
        using var result = await manager.LoadImageAsync(new Uri(s_broken), cancellationToken: token);
        Assert.AreEqual(1, cache.Memory.Count, "precondition: the image is in the memory cache");

        // The frame fails on another thread; the manager's handler is held inside, past its disposed check.
        var frame = Task.Run(() => Assert.ThrowsExactly<ImageDecodingException>(() => result.Image.GetFrame(0)), token);
        await gate.Entered.Task.WaitAsync(DownloadTestOptions.Patience, token);

        await manager.DisposeAsync().AsTask().WaitAsync(DownloadTestOptions.Patience, token);
        gate.Release.TrySetResult();
        await frame.WaitAsync(DownloadTestOptions.Patience, token);
        await manager.WhenUndecodableForgottenAsync().WaitAsync(DownloadTestOptions.Patience, token);

        Assert.AreEqual(1, cache.Memory.Count, "the disposed manager removed an entry from the app's cache after DisposeAsync returned");
    }

    // Promise (ImageManager.Dispose: "Idempotent"; "Once it returns, every load of this manager has ended"): a second
    // call while the first was still waiting for the loads returned at once, with a load still storing into the app's
    // cache, which the app may then dispose.
    [TestMethod]
    public async Task Dispose_WhileAnotherDisposalWaitsForALoad_ReturnsOnlyOnceTheLoadHasEnded()
    {
        var token = TestContext.CancellationToken;
        using var inner = new ImageCache(new ImageCacheOptions());
        var cache = new BlockingStoreCache(inner);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var manager = new ImageManager(cache, downloader);
        var load = manager.LoadImageAsync(new Uri(s_broken), cancellationToken: token);
        await cache.StoreEntered.Task.WaitAsync(DownloadTestOptions.Patience, token);

        var first = manager.DisposeAsync().AsTask();
        await cache.StoreCancelled.Task.WaitAsync(DownloadTestOptions.Patience, token);
        var second = Task.Run(() =>
        {
            manager.Dispose();
            return cache.StoreEnded;
        }, token);

        // Not a timing assertion: the wait only gives a second call that does not wait the chance to return first.
        await Task.WhenAny(second, Task.Delay(TimeSpan.FromMilliseconds(200), token));
        cache.Release.TrySetResult();
        await first.WaitAsync(DownloadTestOptions.Patience, token);
        Assert.IsTrue(await second.WaitAsync(DownloadTestOptions.Patience, token), "the second Dispose returned while a load was still storing its image");
        if (load.IsCompletedSuccessfully)
        {
            load.Result.Dispose();
        }
    }

    // Promise (ImageManager.Dispose): it cancels the loads, waits for them, and disposes what the manager created. A
    // custom loader whose cancellation callback threw made Dispose throw that out of its first step: the loads were not
    // waited for and the manager's own cache and downloader were never disposed (a later Dispose did nothing).
    [TestMethod]
    public async Task Dispose_LoaderCancellationCallbackThrows_StillEndsTheLoadsAndDisposesWhatItOwns()
    {
        var token = TestContext.CancellationToken;
        var manager = new ImageManager(new ImageCacheOptions());
        var loader = new ThrowingOnCancelLoader();
        manager.Loaders.Insert(0, loader);
        var load = manager.LoadImageAsync(new Uri("throwing://host/a.gif"), cancellationToken: token);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, token);

        try
        {
            manager.Dispose();
        }
        finally
        {
            loader.Release.TrySetResult();
        }

        Assert.IsTrue(load.IsCompleted, "Dispose returned with the load still running");
        await Assert.ThrowsAsync<OperationCanceledException>(() => load);
        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => manager.Downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://127.0.0.1:9/a.gif")), cancellationToken: token), "the manager's own downloader was not disposed");
    }

    // Promise (README "Logging": contained failures are logged through the manager's logger with an event id). The
    // exception a load's cancellation callback threw while the manager was being disposed was caught and dropped without
    // a trace: the app's bug vanished, where every other failure the manager contains (a background disk store, a failed
    // removal of an undecodable image, a warm-up step) is logged.
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Dispose_LoaderCancellationCallbackThrows_LogsTheCallbacksFailure(bool asynchronously)
    {
        var token = TestContext.CancellationToken;
        var collector = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        var manager = new ImageManager(new ImageCacheOptions(), options: new ImageManagerOptions { LoggerFactory = loggerFactory });
        var loader = new ThrowingOnCancelLoader();
        manager.Loaders.Insert(0, loader);
        var load = manager.LoadImageAsync(new Uri("throwing://host/a.gif"), cancellationToken: token);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, token);

        try
        {
            if (asynchronously)
            {
                await manager.DisposeAsync().AsTask().WaitAsync(DownloadTestOptions.Patience, token);
            }
            else
            {
                manager.Dispose();
            }
        }
        finally
        {
            loader.Release.TrySetResult();
        }

        await Assert.ThrowsAsync<OperationCanceledException>(() => load);
        var logged = collector.GetSnapshot().Where(r => r.Id.Id == CancellationCallbackFailedEvent).ToList();
        Assert.HasCount(1, logged, "the callback's exception was dropped without being logged: " + string.Join(" | ", collector.GetSnapshot().Select(r => $"{r.Id.Id} {r.Message}")));
        Assert.AreEqual(LogLevel.Warning, logged[0].Level);
        Assert.AreEqual("CancellationCallbackFailed", logged[0].Id.Name);
        Assert.Contains("app bug in a cancellation callback", logged[0].Message);
        Assert.IsInstanceOfType<InvalidOperationException>(logged[0].Exception);
    }

    // The disposal runs the loads' cancellation callbacks itself: one that disposes the manager again must not wait for the
    // disposal it is part of (it did, for ever, once a second call waited for the first).
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Dispose_CalledAgainFromALoadsCancellationCallback_Returns(bool asynchronously)
    {
        var token = TestContext.CancellationToken;
        var manager = new ImageManager(new ImageCacheOptions());
        var loader = new ThrowingOnCancelLoader(() =>
        {
            if (asynchronously)
            {
                manager.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            else
            {
                manager.Dispose();
            }
        });
        manager.Loaders.Insert(0, loader);
        var load = manager.LoadImageAsync(new Uri("throwing://host/a.gif"), cancellationToken: token);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, token);

        var disposal = Task.Run(async () => await (asynchronously ? manager.DisposeAsync() : new ValueTask(Task.Run(manager.Dispose, token))), token);
        var finished = await Task.WhenAny(disposal, Task.Delay(DownloadTestOptions.Patience, token));
        loader.Release.TrySetResult();

        Assert.AreSame(disposal, finished, "the disposal waited for itself");
        await Assert.ThrowsAsync<OperationCanceledException>(() => load);
    }

    // Promise (ImageManager.Dispose: "a call while another is under way returns when that one has finished (at once when
    // made by a load's cancellation callback)"). Only a call from a callback may skip the wait, but the disposal marked
    // the whole manager while it ran the callbacks: a Dispose from any other thread in that window returned at once,
    // with a load still storing into the app's cache (which the app may dispose right after).
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Dispose_OnAnotherThreadWhileTheDisposalRunsACallback_ReturnsOnlyOnceTheLoadsHaveEnded(bool firstAsynchronously)
    {
        var token = TestContext.CancellationToken;
        using var callbackEntered = new ManualResetEventSlim();
        using var callbackRelease = new ManualResetEventSlim();
        using var inner = new ImageCache(new ImageCacheOptions());
        var cache = new BlockingStoreCache(inner);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var manager = new ImageManager(cache, downloader);
        var loader = new ThrowingOnCancelLoader(() =>
        {
            callbackEntered.Set();
            callbackRelease.Wait(DownloadTestOptions.Patience);
        });
        manager.Loaders.Insert(0, loader);
        var storing = manager.LoadImageAsync(new Uri(s_broken), cancellationToken: token);
        await cache.StoreEntered.Task.WaitAsync(DownloadTestOptions.Patience, token);
        var loading = manager.LoadImageAsync(new Uri("throwing://host/a.gif"), cancellationToken: token);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, token);

        var first = firstAsynchronously ? manager.DisposeAsync().AsTask() : Task.Run(manager.Dispose, token);
        Assert.IsTrue(callbackEntered.Wait(DownloadTestOptions.Patience, token), "the disposal runs the load's cancellation callback");
        var second = Task.Run(() =>
        {
            manager.Dispose();
            return cache.StoreEnded;
        }, token);

        // Not a timing assertion: the wait only gives a second call that does not wait the chance to return first.
        await Task.WhenAny(second, Task.Delay(TimeSpan.FromMilliseconds(300), token));
        callbackRelease.Set();
        cache.Release.TrySetResult();
        loader.Release.TrySetResult();
        await first.WaitAsync(DownloadTestOptions.Patience, token);
        Assert.IsTrue(await second.WaitAsync(DownloadTestOptions.Patience, token), "the second Dispose returned while a load was still storing its image");
        await Assert.ThrowsAsync<OperationCanceledException>(() => loading);
        if (storing.IsCompletedSuccessfully)
        {
            storing.Result.Dispose();
        }
    }

    /// <summary>A loader whose cancellation callback throws (an app's bug), and which waits for the test.</summary>
    private sealed class ThrowingOnCancelLoader(Action? onCancel = null) : IImageLoader
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool CanLoad(Uri url) => url.Scheme == "throwing";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            using var registration = cancellationToken.Register(onCancel ?? (static () => throw new InvalidOperationException("app bug in a cancellation callback")));
            Entered.TrySetResult();
            await Release.Task.ConfigureAwait(false);
            throw new OperationCanceledException(cancellationToken);
        }
    }

    /// <summary>Makes loggers that hold the thread logging one event until released.</summary>
    private sealed class GatedLoggerProvider(int eventId) : ILoggerProvider
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ILogger CreateLogger(string categoryName) => new GatedLogger(this);

        public void Dispose() => Release.TrySetResult();

        private sealed class GatedLogger(GatedLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (eventId.Id == owner._eventId)
                {
                    owner.Entered.TrySetResult();
                    owner.Release.Task.Wait(DownloadTestOptions.Patience);
                }
            }
        }

        private readonly int _eventId = eventId;
    }
}
