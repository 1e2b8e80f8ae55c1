using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A custom loader that ignores its token is not waited for once its load is cancelled (see
/// <see cref="ImageManagerDisposeTests"/>); what it does afterwards must not reach the caller of the load that ended.
/// </summary>
[TestClass]
public sealed class ImageManagerAbandonedLoaderTests
{
    public TestContext TestContext { get; set; } = null!;

    // A cell's progress bar, reused for another image, moved with the bytes of the image whose load it had cancelled.
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task LoadImageAsync_LoaderReportsAfterTheLoadWasCancelled_TheCallerGetsNoReport(bool progressive)
    {
        using var manager = new ImageManager(new ImageCacheOptions());
        var loader = new StubbornReportingLoader();
        manager.Loaders.Insert(0, loader);
        var reports = 0;
        var loadEnded = false;
        var reportsAfterTheEnd = 0;
        var progress = new SynchronousProgress<ImageLoadProgress>(_ =>
        {
            Interlocked.Increment(ref reports);
            if (Volatile.Read(ref loadEnded))
            {
                Interlocked.Increment(ref reportsAfterTheEnd);
            }
        });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var load = manager.LoadImageAsync(new Uri("stubborn://host/a.gif"), new ImageLoadOptions { Progressive = progressive }, progress, cancel.Token);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(1, Volatile.Read(ref reports), "the report made while the load waited reached the caller");

        await cancel.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => load.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken));
        Volatile.Write(ref loadEnded, true);
        loader.Release.TrySetResult();
        await loader.Returned.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        Assert.AreEqual(0, Volatile.Read(ref reportsAfterTheEnd), "a report of the abandoned loader reached the caller after its load had ended");
    }

    // A loader around a callback API whose cancellation ends in an error (an aborted transfer), cancelled from a UI thread:
    // the manager's wait resumes on a pool thread, after the UI thread's Cancel has run the loader's callback. The loader's
    // task had faulted by then, with nothing watching it any more, and it reached TaskScheduler.UnobservedTaskException.
    [TestMethod]
    public async Task LoadImageAsync_LoaderFaultsAsItsLoadIsCancelledOnAUiThread_NoUnobservedTaskException()
    {
        var marker = $"aborted by its cancellation {Guid.NewGuid():N}";
        var unobserved = new List<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.Flatten().InnerExceptions.Any(inner => inner.Message == marker))
            {
                lock (unobserved)
                {
                    unobserved.Add(e.Exception);
                }
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await LoadCancelledOnAUiThreadAsync(marker);
            for (var i = 0; i < 5; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                await Task.Delay(20, TestContext.CancellationToken);
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        Assert.IsEmpty(unobserved, string.Join(Environment.NewLine, unobserved.Take(1)));
    }

    private async Task LoadCancelledOnAUiThreadAsync(string marker)
    {
        using var manager = new ImageManager(new ImageCacheOptions());
        var loader = new FaultingOnCancelLoader(marker);
        manager.Loaders.Insert(0, loader);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);

        // A pool thread entering the load's context waits, once armed, until the UI thread's Cancel has returned: the order
        // that UI-thread cancellation gives almost always (the pool thread wakes later), made certain.
        // Not disposed: a continuation of the load may still enter the gate's context after this method has returned, and
        // a wait on a disposed event there throws inside the AsyncLocal notification, which ends the process (seen once in
        // a full run). Once set, the event only answers at once; it holds no wait handle unless one is asked for.
        var cancelled = new ManualResetEventSlim();
        var armed = false;
        var gate = new AsyncLocal<bool>(change =>
        {
            if (change.ThreadContextChanged && change.CurrentValue && Volatile.Read(ref armed) && Thread.CurrentThread.IsThreadPoolThread)
            {
                cancelled.Wait(DownloadTestOptions.Patience);
            }
        });
        Task<ImageLoadResult> StartAsync()
        {
            using (ExecutionContext.SuppressFlow())
            {
                return Task.Run(() =>
                {
                    gate.Value = true;
                    return manager.LoadImageAsync(new Uri("faulting://host/a.gif"), cancellationToken: cancel.Token);
                });
            }
        }

        var load = StartAsync();
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        Volatile.Write(ref armed, true);
        await UiThread.RunAsync(() =>
        {
            cancel.Cancel();
            cancelled.Set();
            return Task.CompletedTask;
        }).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        await Assert.ThrowsAsync<OperationCanceledException>(() => load.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken));
        Assert.IsTrue(loader.Faulted, "the loader's cancellation callback ran");
    }

    // Ends its load with an error when its token is cancelled, as a callback API's "aborted" does.
    private sealed class FaultingOnCancelLoader(string message) : IImageLoader
    {
        private volatile bool _faulted;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Faulted => _faulted;

        public bool CanLoad(Uri url) => url.Scheme == "faulting";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            var loading = new TaskCompletionSource<ImageLoaderResponse>();
            cancellationToken.Register(() =>
            {
                loading.TrySetException(new IOException(message));
                _faulted = true;
            });
            Entered.TrySetResult();
            return loading.Task;
        }
    }

    // Reports the first half, waits for the test whatever its token says, then reports the rest and returns.
    private sealed class StubbornReportingLoader : IImageLoader
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Returned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool CanLoad(Uri url) => url.Scheme == "stubborn";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            var data = Corpus.Read("TestImage.gif");
            var half = data.Length / 2;
            progress?.Report(new ImageLoadProgress(half, data.Length) { PartialData = request.ReportPartialData ? data[..half] : default });
            Entered.TrySetResult();
            await Release.Task.ConfigureAwait(false);
            progress?.Report(new ImageLoadProgress(data.Length - 1, data.Length) { PartialData = request.ReportPartialData ? data[..^1] : default });
            Returned.TrySetResult();
            return new ImageLoaderResponse(request.Url, data);
        }
    }
}
