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
