using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A retry's wait (its <c>Retry-After</c>, its backoff) does not hold a download slot: other downloads use it meanwhile,
/// and the retry takes a slot again before its next attempt, ahead of the requests of its priority still queued.
/// </summary>
[TestClass]
public sealed class ImageDownloaderRetrySlotTests
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await RetryAfterServer.StartAsync(RetryAfter, context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task DownloadAsync_RetryWaitingForRetryAfter_LetsAnotherDownloadUseItsSlot()
    {
        var (downloader, time) = Create();
        using var owned = downloader;
        var first = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/busy/free")), cancellationToken: TestContext.CancellationToken);
        await time.RetryWait.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        var other = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/free")), cancellationToken: TestContext.CancellationToken);
        var completed = await Task.WhenAny(other, Task.Delay(DownloadTestOptions.Patience, TestContext.CancellationToken));

        Assert.AreSame(other, completed, "the only slot stayed with a download waiting for its Retry-After");
        Assert.AreEqual(1, s_server.Hits("/busy/free"), "the retry waits for its Retry-After meanwhile");
        time.Advance(RetryAfter);
        var response = await first.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(2, response.Attempts);
    }

    [TestMethod]
    public async Task DownloadAsync_RetryWaitEnded_TakesTheNextSlotBeforeRequestsOfItsPriorityQueuedMeanwhile()
    {
        var (downloader, time) = Create();
        using var owned = downloader;
        var gate = s_server.GateFor("ahead");
        var retried = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/busy/ahead")), cancellationToken: TestContext.CancellationToken);
        await time.RetryWait.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var holding = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/ahead")), cancellationToken: TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var queued = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/ahead")), cancellationToken: TestContext.CancellationToken);

        time.Advance(RetryAfter);
        Assert.IsTrue(Leaks.Eventually(() => downloader.QueuedDownloads == 2), $"the retry waits for the slot: {downloader.QueuedDownloads} queued");
        gate.Release.TrySetResult();
        await Task.WhenAll(retried, holding, queued).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        var log = s_server.Log.Where(p => p.EndsWith("/ahead", StringComparison.Ordinal)).ToArray();
        CollectionAssert.AreEqual(new[] { "/busy/ahead", "/gate/ahead", "/busy/ahead", "/image/ahead" }, log);
    }

    [TestMethod]
    public async Task DownloadAsync_UrgentCallerJoinsARetryWaitingForASlot_RaisesItsPriority()
    {
        var (downloader, time) = Create();
        using var owned = downloader;
        var gate = s_server.GateFor("joined");
        var retried = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/busy/joined")) { Priority = DownloadPriority.Low }, cancellationToken: TestContext.CancellationToken);
        await time.RetryWait.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var holding = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/joined")), cancellationToken: TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        time.Advance(RetryAfter);
        Assert.IsTrue(Leaks.Eventually(() => downloader.QueuedDownloads == 1), "the retry waits for the slot");
        var normal = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/joined")), cancellationToken: TestContext.CancellationToken);

        var urgent = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/busy/joined")) { Priority = DownloadPriority.High }, cancellationToken: TestContext.CancellationToken);
        gate.Release.TrySetResult();
        await Task.WhenAll(retried, urgent, holding, normal).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        var log = s_server.Log.Where(p => p.EndsWith("/joined", StringComparison.Ordinal)).ToArray();
        Assert.AreEqual("/busy/joined /gate/joined /busy/joined /image/joined", string.Join(" ", log), "the retry went on at its urgent caller's priority");
    }

    [TestMethod]
    public async Task DownloadAsync_CancelledDuringItsRetryWait_EndsAndLeavesNothingBehind()
    {
        var (downloader, time) = Create();
        using var owned = downloader;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var waiting = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/busy/cancelled")), cancellationToken: cts.Token);
        await time.RetryWait.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        await cts.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        Assert.IsTrue(Leaks.Eventually(() => downloader.ActiveDownloads == 0 && downloader.QueuedDownloads == 0 && downloader.TrackedDownloads == 0), "the cancelled retry left the queue");
        var next = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/cancelled")), cancellationToken: TestContext.CancellationToken).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(1, next.Attempts);
        Assert.AreEqual(1, s_server.Hits("/busy/cancelled"), "the cancelled retry was never sent");
    }

    [TestMethod]
    public async Task DownloadAsync_CancelledWhileItsRetryWaitsForASlot_LeavesTheQueue()
    {
        var (downloader, time) = Create();
        using var owned = downloader;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var gate = s_server.GateFor("slot-cancelled");
        var waiting = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/busy/slot-cancelled")), cancellationToken: cts.Token);
        await time.RetryWait.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var holding = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/slot-cancelled")), cancellationToken: TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        time.Advance(RetryAfter);
        Assert.IsTrue(Leaks.Eventually(() => downloader.QueuedDownloads == 1), "the retry waits for the slot");

        await cts.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        Assert.IsTrue(Leaks.Eventually(() => downloader.QueuedDownloads == 0), "the cancelled retry left the queue");
        gate.Release.TrySetResult();
        await holding.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var next = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/slot-cancelled")), cancellationToken: TestContext.CancellationToken).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(1, next.Attempts);
        Assert.IsTrue(Leaks.Eventually(() => downloader.ActiveDownloads == 0), "every slot was given back");
        Assert.AreEqual(1, s_server.Hits("/busy/slot-cancelled"), "the cancelled retry was never sent");
    }

    [TestMethod]
    public async Task Dispose_DuringARetryWait_CancelsTheDownload()
    {
        var (downloader, time) = Create();
        var waiting = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/busy/disposed")), cancellationToken: TestContext.CancellationToken);
        await time.RetryWait.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        downloader.Dispose();

        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken));
        Assert.AreEqual(0, downloader.ActiveDownloads);
    }

    private static (ImageDownloader Downloader, RetryAfterClock Time) Create()
    {
        var time = new RetryAfterClock(RetryAfter);
        var options = DownloadTestOptions.Fast();
        options.MaxConcurrentDownloads = 1;
        options.Retry.MaxDelay = TimeSpan.FromSeconds(10);
        options.AttemptTimeout = TimeSpan.FromMinutes(10);
        options.TimeProvider = time;
        return (new ImageDownloader(options), time);
    }
}
