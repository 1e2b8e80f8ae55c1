using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;

namespace ImageKit.Tests.Loading;

/// <summary>The queue: concurrency limit, priority, FIFO and LIFO, cancellation of queued and running downloads.</summary>
[TestClass]
public sealed class ImageDownloaderSchedulingTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, _) => app.MapGet("/order/{name}", context => ImageServer.WriteAsync(context, ImageServer.Gif)),
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    [DataRow(DownloadExecutionOrder.Fifo, new[] { "a", "b", "c" })]
    [DataRow(DownloadExecutionOrder.Lifo, new[] { "c", "b", "a" })]
    public async Task DownloadAsync_OneSlotBusy_QueuedStartInExecutionOrder(DownloadExecutionOrder order, string[] expected)
    {
        var prefix = $"/order/{order}-";
        var started = await RunQueuedAsync(order, prefix, ("a", DownloadPriority.Normal), ("b", DownloadPriority.Normal), ("c", DownloadPriority.Normal));

        CollectionAssert.AreEqual(expected.Select(n => prefix + n).ToArray(), started);
    }

    [TestMethod]
    [DataRow(DownloadExecutionOrder.Fifo, new[] { "high1", "high2", "normal", "low1", "low2" })]
    [DataRow(DownloadExecutionOrder.Lifo, new[] { "high2", "high1", "normal", "low2", "low1" })]
    public async Task DownloadAsync_OneSlotBusy_HigherPriorityStartsFirst(DownloadExecutionOrder order, string[] expected)
    {
        var prefix = $"/order/prio-{order}-";
        var started = await RunQueuedAsync(
            order,
            prefix,
            ("low1", DownloadPriority.Low),
            ("normal", DownloadPriority.Normal),
            ("high1", DownloadPriority.High),
            ("low2", DownloadPriority.Low),
            ("high2", DownloadPriority.High));

        CollectionAssert.AreEqual(expected.Select(n => prefix + n).ToArray(), started);
    }

    [TestMethod]
    public async Task DownloadAsync_UrgentRequestJoinsQueuedOne_PromotesIt()
    {
        var prefix = "/order/promote-";
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 1 });
        var gate = s_server.GateFor("promote");
        var blocker = Download(downloader, "/gate/promote");
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        var low = Download(downloader, prefix + "low", DownloadPriority.Low);
        var normal = Download(downloader, prefix + "normal", DownloadPriority.Normal);
        var lowAgainUrgent = Download(downloader, prefix + "low", DownloadPriority.High);
        Assert.AreEqual(2, downloader.QueuedDownloads, "the urgent request shares the queued one");
        gate.Release.TrySetResult();
        await Task.WhenAll(blocker, low, normal, lowAgainUrgent);

        CollectionAssert.AreEqual(new[] { prefix + "low", prefix + "normal" }, s_server.Log.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToArray());
        Assert.AreSame(await low, await lowAgainUrgent);
    }

    /// <summary>
    /// An urgent request joins a download in the moment between its creation and its entering the queue (a deterministic
    /// stand-in for a second thread): it is promoted all the same, and overtakes a normal one queued before.
    /// </summary>
    [TestMethod]
    public async Task DownloadAsync_UrgentRequestJoinsBeforeTheSharedDownloadIsQueued_PromotesIt()
    {
        var prefix = "/order/promote-early-";
        var lowUrl = s_server.Url(prefix + "low");
        Task<ImageDownloadResponse>? urgent = null;
        ImageDownloader? self = null;
        var options = new ImageDownloaderOptions { MaxConcurrentDownloads = 1 };
        options.BeforeEnqueue = request =>
        {
            if (request.Url == lowUrl && urgent is null)
            {
                urgent = self!.DownloadAsync(new ImageDownloadRequest(lowUrl) { Priority = DownloadPriority.High }, cancellationToken: TestContext.CancellationToken);
            }
        };
        using var downloader = self = new ImageDownloader(options);
        var gate = s_server.GateFor("promote-early");
        var blocker = Download(downloader, "/gate/promote-early");
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        var normal = Download(downloader, prefix + "normal", DownloadPriority.Normal);
        var low = Download(downloader, prefix + "low", DownloadPriority.Low);
        Assert.IsNotNull(urgent);
        Assert.AreEqual(2, downloader.QueuedDownloads, "the urgent request shares the queued one");
        gate.Release.TrySetResult();
        await Task.WhenAll(blocker, low, normal, urgent);

        CollectionAssert.AreEqual(new[] { prefix + "low", prefix + "normal" }, s_server.Log.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToArray());
        Assert.AreSame(await low, await urgent);
    }

    /// <summary>
    /// The urgent caller of a shared, queued download leaves (its view scrolled away): the download goes back to the
    /// priority of the callers still waiting (as in Nuke, the highest of theirs), whether the urgent one created it or
    /// joined it, and a normal request queued after it now goes first.
    /// </summary>
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task DownloadAsync_UrgentCallerLeavesSharedQueuedDownload_ItTakesThePriorityOfThoseLeft(bool urgentFirst)
    {
        var prefix = $"/order/demote-{urgentFirst}-";
        var lowUrl = s_server.Url(prefix + "low");
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 1 });
        var gate = s_server.GateFor($"demote-{urgentFirst}");
        var blocker = Download(downloader, $"/gate/demote-{urgentFirst}");
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        Task<ImageDownloadResponse> Urgent() => downloader.DownloadAsync(new ImageDownloadRequest(lowUrl) { Priority = DownloadPriority.High }, cancellationToken: leaving.Token);
        var urgent = urgentFirst ? Urgent() : null;
        var low = Download(downloader, prefix + "low", DownloadPriority.Low);
        urgent ??= Urgent();
        var normal = Download(downloader, prefix + "normal", DownloadPriority.Normal);
        Assert.AreEqual(2, downloader.QueuedDownloads, "the urgent and the low request share one download");
        await leaving.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => urgent);
        gate.Release.TrySetResult();
        await Task.WhenAll(blocker, low, normal);

        CollectionAssert.AreEqual(new[] { prefix + "normal", prefix + "low" }, s_server.Log.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToArray());
    }

    /// <summary>
    /// The urgent caller of a shared, queued download leaves and the download goes back to the low priority of the caller
    /// left: it waits behind the low downloads already queued, in either execution order. Under LIFO it was put where the
    /// newest goes and started before all of them, as though its low caller had asked last.
    /// </summary>
    [TestMethod]
    [DataRow(DownloadExecutionOrder.Fifo, new[] { "low1", "low2", "shared" })]
    [DataRow(DownloadExecutionOrder.Lifo, new[] { "low2", "low1", "shared" })]
    public async Task DownloadAsync_SharedQueuedDownloadLowered_WaitsBehindThoseAlreadyInItsNewPriority(DownloadExecutionOrder order, string[] expected)
    {
        var prefix = $"/order/lowered-{order}-";
        var sharedUrl = s_server.Url(prefix + "shared");
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 1, ExecutionOrder = order });
        var gate = s_server.GateFor($"lowered-{order}");
        var blocker = Download(downloader, $"/gate/lowered-{order}");
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var low1 = Download(downloader, prefix + "low1", DownloadPriority.Low);
        var shared = Download(downloader, prefix + "shared", DownloadPriority.Low);
        var urgent = downloader.DownloadAsync(new ImageDownloadRequest(sharedUrl) { Priority = DownloadPriority.High }, cancellationToken: leaving.Token);
        var low2 = Download(downloader, prefix + "low2", DownloadPriority.Low);
        Assert.AreEqual(3, downloader.QueuedDownloads, "the urgent and the low request share one download");
        await leaving.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => urgent);
        gate.Release.TrySetResult();
        await Task.WhenAll(blocker, low1, shared, low2);

        CollectionAssert.AreEqual(expected.Select(n => prefix + n).ToArray(), s_server.Log.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToArray());
    }

    [TestMethod]
    public async Task DownloadAsync_QueuedRequestCancelled_LeavesQueueAtOnceAndIsNeverSent()
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 1 });
        var gate = s_server.GateFor("cancel-queued");
        var blocker = Download(downloader, "/gate/cancel-queued");
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        using var cts = new CancellationTokenSource();

        var cancelled = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/order/cancel-queued-a")), cancellationToken: cts.Token);
        var kept = Download(downloader, "/order/cancel-queued-b");
        Assert.AreEqual(2, downloader.QueuedDownloads);
        await cts.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => cancelled);
        Assert.AreEqual(1, downloader.QueuedDownloads, "the cancelled request left the queue while the slot was still busy");
        gate.Release.TrySetResult();
        await Task.WhenAll(blocker, kept);
        Assert.AreEqual(0, s_server.Hits("/order/cancel-queued-a"));
        Assert.AreEqual(1, s_server.Hits("/order/cancel-queued-b"));
        Assert.AreEqual(0, downloader.QueuedDownloads);
    }

    [TestMethod]
    public async Task DownloadAsync_RunningRequestCancelled_AbortsItAndFreesTheSlot()
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 1 });
        var gate = s_server.GateFor("cancel-running");
        using var cts = new CancellationTokenSource();
        var running = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/cancel-running")), cancellationToken: cts.Token);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var next = Download(downloader, "/order/after-cancel-running");
        Assert.AreEqual(1, downloader.ActiveDownloads);

        await cts.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => running);
        await gate.Aborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var response = await next.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(ImageServer.Gif.Length, response.Data.Length, "the next request got the slot without the gate being released");
    }

    [TestMethod]
    public async Task DownloadAsync_ManyRequests_NeverMoreThanTheLimitInFlight()
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 2 });
        var gates = Enumerable.Range(0, 5).Select(i => s_server.GateFor($"limit-{i}")).ToArray();
        var downloads = Enumerable.Range(0, 5).Select(i => Download(downloader, $"/gate/limit-{i}")).ToArray();

        await Task.WhenAll(gates[0].Arrived.Task, gates[1].Arrived.Task).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(2, downloader.ActiveDownloads);
        Assert.AreEqual(3, downloader.QueuedDownloads);
        Assert.IsFalse(gates.Skip(2).Any(g => g.Arrived.Task.IsCompleted));

        gates[0].Release.TrySetResult();
        await gates[2].Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(2, downloader.ActiveDownloads);
        Assert.AreEqual(2, downloader.QueuedDownloads);
        foreach (var gate in gates)
        {
            gate.Release.TrySetResult();
        }

        await Task.WhenAll(downloads);

        // The waiters get their responses from inside the downloads, which give their slots back just after.
        Assert.IsTrue(Leaks.Eventually(() => downloader.ActiveDownloads == 0 && downloader.QueuedDownloads == 0), $"{downloader.ActiveDownloads} active, {downloader.QueuedDownloads} queued");
    }

    private async Task<string[]> RunQueuedAsync(DownloadExecutionOrder order, string prefix, params (string Name, DownloadPriority Priority)[] queued)
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 1, ExecutionOrder = order });
        var gateName = prefix.Replace('/', '-');
        var gate = s_server.GateFor(gateName);
        var blocker = Download(downloader, "/gate/" + gateName);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        var downloads = queued.Select(q => Download(downloader, prefix + q.Name, q.Priority)).ToArray();
        Assert.AreEqual(queued.Length, downloader.QueuedDownloads);
        Assert.AreEqual(1, downloader.ActiveDownloads);
        gate.Release.TrySetResult();
        await Task.WhenAll(downloads.Append(blocker));

        return s_server.Log.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
    }

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string path, DownloadPriority priority = DownloadPriority.Normal) =>
        downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)) { Priority = priority }, cancellationToken: TestContext.CancellationToken);
}
