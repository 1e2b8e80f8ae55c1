using System.Reflection;
using ImageKit.Loading;
using ImageKit.Loading.Internal;
using ImageKit.Tests.TestUtilities;
using Step = ImageKit.Tests.Loading.RangeImageServer.Step;

namespace ImageKit.Tests.Loading;

/// <summary>
/// The handoff from an abandoned download to the next one of the same request (ImageDownloaderHandoffTests) in the
/// cases around it: conditional requests, a successor itself abandoned, resuming turned off.
/// </summary>
[TestClass]
public sealed class ImageDownloaderHandoffChainTests
{
    private static readonly byte[] Image = ImageServer.BigGif;
    private static RangeImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context) =>
        s_server = await RangeImageServer.StartAsync(certificate: null, context.CancellationToken);

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    // Conditional requests (revalidation: If-None-Match) never wait for a predecessor, so they are not given one: else
    // each one made again while the previous unwinds would hold the whole history of abandoned downloads.
    [TestMethod]
    public async Task ConditionalRequestRequestedAgainRepeatedly_DoesNotChainPredecessors()
    {
        const int n = 6;
        var name = nameof(ConditionalRequestRequestedAgainRepeatedly_DoesNotChainPredecessors);
        var resource = s_server.Add(name, Image);
        for (var i = 0; i < n; i++)
        {
            resource.Script.Enqueue(Step.Stall);
        }

        var request = new ImageDownloadRequest(s_server.Url(name)) { IfNoneMatch = "\"old\"" };
        var options = DownloadTestOptions.Fast();
        options.MaxConcurrentDownloads = 16;
        using var downloader = new ImageDownloader(options);
        var chain = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = new System.Collections.Concurrent.ConcurrentQueue<Task>();

        void Start(int k)
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
            var fired = 0;
            tasks.Enqueue(downloader.DownloadAsync(request, new SynchronousProgress<ImageDownloadProgress>(p =>
            {
                if (p.BytesReceived >= resource.CutAt && Interlocked.Exchange(ref fired, 1) == 0)
                {
                    if (k < n)
                    {
                        // Scrolled away and straight back: the old load is cancelled, then the same one is made again.
                        cts.Cancel();
                        Start(k + 1);
                    }
                    else
                    {
                        chain.TrySetResult(PredecessorChainLength(downloader, request));
                        cts.Cancel();
                    }
                }
            }), cts.Token));
        }

        Start(1);
        var length = await chain.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        foreach (var task in tasks)
        {
            await Assert.ThrowsAsync<OperationCanceledException>(() => task);
        }

        Assert.IsTrue(length <= 1, $"the live download references a chain of {length} abandoned predecessors");
    }

    // The successor that took the abandoned download as its predecessor is itself abandoned before that one has
    // unwound: it passes the predecessor on, so the next request resumes from the first one's bytes.
    [TestMethod]
    public async Task SuccessorAbandonedWhileWaiting_NextRequestStillResumesFromTheFirstOnesBytes()
    {
        var name = nameof(SuccessorAbandonedWhileWaiting_NextRequestStillResumesFromTheFirstOnesBytes);
        var resource = s_server.Add(name, Image);
        resource.Script.Enqueue(Step.Stall);
        var request = new ImageDownloadRequest(s_server.Url(name));
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        using var first = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        using var second = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var third = new TaskCompletionSource<Task<ImageDownloadResponse>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<ImageDownloadResponse>? secondTask = null;

        var firstTask = downloader.DownloadAsync(request, resource.ReportsCut(() =>
        {
            first.Cancel();
            secondTask = downloader.DownloadAsync(request, cancellationToken: second.Token); // takes the first as predecessor
            second.Cancel(); // and is left at once too
            // The second ends (it stops waiting on its token) while the first is still inside this report.
            Assert.IsTrue(SpinWait.SpinUntil(() => downloader.ActiveDownloads == 1, DownloadTestOptions.Patience));
            var again = downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken);
            // Either it sends its request (so it has looked for a kept body before the first could keep anything), or it
            // waits for the first one; this report returns then, and the first one unwinds.
            SpinWait.SpinUntil(() => resource.Requests.Count == 2, TimeSpan.FromMilliseconds(100));
            third.SetResult(again);
        }), first.Token);
        await Assert.ThrowsAsync<OperationCanceledException>(() => firstTask);
        var thirdTask = await third.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await Assert.ThrowsAsync<OperationCanceledException>(() => secondTask!);
        var response = await thirdTask.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        SpinWait.SpinUntil(() => downloader.ActiveDownloads == 0, DownloadTestOptions.Patience);

        CollectionAssert.AreEqual(Image, response.Data.ToArray());
        Assert.IsTrue(response.ResumedBytes > 0, $"started over (Range: {resource.Requests.ToArray()[1].Range ?? "none"}); kept afterwards: {downloader.ResumableBytes} bytes");
        Assert.AreEqual(0, downloader.ResumableBytes, "the first download's bytes were kept after the third had already started over");
    }

    // With resuming off nothing can be kept, so a new download does not wait for a predecessor (stuck in the app's modifier).
    [TestMethod]
    public async Task ResumingDisabled_NewDownloadDoesNotWaitForTheAbandonedOne()
    {
        var name = nameof(ResumingDisabled_NewDownloadDoesNotWaitForTheAbandonedOne);
        var resource = s_server.Add(name, Image);
        var request = new ImageDownloadRequest(s_server.Url(name));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var options = DownloadTestOptions.Fast();
        options.MaxResumableBytes = 0;
        options.PredecessorPatience = TimeSpan.FromHours(1); // waiting at all would outlast the test's patience
        options.RequestModifier = async (_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                entered.TrySetResult();
                await release.Task;
            }
        };
        using var downloader = new ImageDownloader(options);
        try
        {
            // Warm the connection pool so the timing below is the wait, not a connect.
            using (var warm = new ImageDownloader(DownloadTestOptions.Fast()))
            {
                await warm.DownloadAsync(request, cancellationToken: TestContext.CancellationToken);
            }

            using var scrolledAway = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
            var first = downloader.DownloadAsync(request, cancellationToken: scrolledAway.Token);
            await entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
            await scrolledAway.CancelAsync();
            await Assert.ThrowsAsync<OperationCanceledException>(() => first);

            var response = await downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken)
                .WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
            Assert.AreEqual(Image.Length, response.Data.Length);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    // A waiting successor whose last caller leaves, or whose downloader is disposed, gives
    // its queue slot back at once instead of after the patience.
    [TestMethod]
    [DataRow("cancelled")]
    [DataRow("disposed")]
    public async Task SuccessorWaitingForAStuckPredecessor_StopsWaitingAtOnce(string how)
    {
        var name = nameof(SuccessorWaitingForAStuckPredecessor_StopsWaitingAtOnce) + how;
        var resource = s_server.Add(name, Image);
        var request = new ImageDownloadRequest(s_server.Url(name));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var options = DownloadTestOptions.Fast();
        options.PredecessorPatience = TimeSpan.FromHours(1); // only the token can end the wait within the test
        options.RequestModifier = async (_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                entered.TrySetResult();
                await release.Task;
            }
        };
        var downloader = new ImageDownloader(options);
        try
        {
            using var scrolledAway = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
            var first = downloader.DownloadAsync(request, cancellationToken: scrolledAway.Token);
            await entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
            await scrolledAway.CancelAsync();
            await Assert.ThrowsAsync<OperationCanceledException>(() => first);

            using var again = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
            var second = downloader.DownloadAsync(request, cancellationToken: again.Token);
            Assert.AreEqual(2, downloader.ActiveDownloads);
            if (how == "cancelled")
            {
                await again.CancelAsync();
            }
            else
            {
                downloader.Dispose();
            }

            await Assert.ThrowsAsync<OperationCanceledException>(() => second);
            Assert.IsTrue(SpinWait.SpinUntil(() => downloader.ActiveDownloads == 1, DownloadTestOptions.Patience), "the queue slot was given back");
            Assert.AreEqual(1, calls, "the successor never sent anything");
        }
        finally
        {
            release.TrySetResult();
            downloader.Dispose();
        }
    }

    // Distinct URLs abandoned while queued and while running leave nothing in _unwinding.
    [TestMethod]
    public async Task ManyDistinctUrlsAbandoned_QueuedOrRunning_LeaveNothingBehind()
    {
        var options = DownloadTestOptions.Fast();
        options.MaxConcurrentDownloads = 4;
        using var downloader = new ImageDownloader(options);
        var tasks = new List<Task>();
        var sources = new List<CancellationTokenSource>();
        for (var i = 0; i < 40; i++)
        {
            var name = $"{nameof(ManyDistinctUrlsAbandoned_QueuedOrRunning_LeaveNothingBehind)}-{i}";
            var resource = s_server.Add(name, Image);
            resource.Script.Enqueue(Step.Stall);
            var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
            sources.Add(cts);
            tasks.Add(downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(name)), cancellationToken: cts.Token));
        }

        await Task.Delay(200, TestContext.CancellationToken); // the first four are mid-body (stalled), the rest queued
        foreach (var cts in sources)
        {
            await cts.CancelAsync();
        }

        foreach (var task in tasks)
        {
            await Assert.ThrowsAsync<OperationCanceledException>(() => task);
        }

        Assert.IsTrue(SpinWait.SpinUntil(() => downloader.ActiveDownloads == 0 && downloader.QueuedDownloads == 0, DownloadTestOptions.Patience));
        Assert.IsTrue(SpinWait.SpinUntil(() => UnwindingCount(downloader) == 0, DownloadTestOptions.Patience), $"{UnwindingCount(downloader)} left in _unwinding");
        Assert.AreEqual(0, downloader.TrackedDownloads);
    }

    private static int UnwindingCount(ImageDownloader downloader)
    {
        var coalescer = typeof(ImageDownloader).GetField("_coalescer", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(downloader)!;
        var unwinding = (Dictionary<DownloadKey, SharedDownload>)typeof(RequestCoalescer).GetField("_unwinding", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(coalescer)!;
        return unwinding.Count;
    }

    private static int PredecessorChainLength(ImageDownloader downloader, ImageDownloadRequest request)
    {
        var coalescer = typeof(ImageDownloader).GetField("_coalescer", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(downloader)!;
        var inFlight = (Dictionary<DownloadKey, SharedDownload>)typeof(RequestCoalescer).GetField("_inFlight", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(coalescer)!;
        var length = 0;
        for (var d = inFlight[DownloadKey.From(request)].Predecessor; d is not null; d = d.Predecessor)
        {
            length++;
        }

        return length;
    }
}
