using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Step = ImageKit.Tests.Loading.RangeImageServer.Step;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A request made again the moment its only caller left (an image scrolled away from and back, a view given the same URL
/// again, which cancels the old load first): the new download resumes from what the abandoned one received, which is
/// kept only as that one unwinds; and it never waits long for one that does not unwind.
/// </summary>
[TestClass]
public sealed class ImageDownloaderHandoffTests
{
    private static readonly byte[] Image = ImageServer.BigGif;
    private static RangeImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context) =>
        s_server = await RangeImageServer.StartAsync(certificate: null, context.CancellationToken);

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    /// <summary>
    /// The new request is made from inside the abandoned download's read (its progress report, on its thread), so it
    /// starts before that download can possibly have kept anything: deterministically the race this is about.
    /// </summary>
    [TestMethod]
    public async Task DownloadAsync_RequestedAgainTheMomentItsOnlyCallerLeft_ResumesFromWhatTheAbandonedOneReceived()
    {
        var name = nameof(DownloadAsync_RequestedAgainTheMomentItsOnlyCallerLeft_ResumesFromWhatTheAbandonedOneReceived);
        var resource = s_server.Add(name, Image);
        resource.Script.Enqueue(Step.Stall);
        var request = new ImageDownloadRequest(s_server.Url(name));
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        using var scrolledAway = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var requestedAgain = new TaskCompletionSource<Task<ImageDownloadResponse>>(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = downloader.DownloadAsync(request, resource.ReportsCut(() =>
        {
            scrolledAway.Cancel();
            requestedAgain.SetResult(downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken));
        }), scrolledAway.Token);
        await Assert.ThrowsAsync<OperationCanceledException>(() => first);
        var again = await requestedAgain.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var response = await again.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        CollectionAssert.AreEqual(Image, response.Data.ToArray());
        Assert.IsTrue(response.ResumedBytes is > 0 && response.ResumedBytes <= resource.CutAt, $"resumed after {response.ResumedBytes} of the {resource.CutAt} bytes sent");
        var requests = resource.Requests.ToArray();
        Assert.HasCount(2, requests);
        Assert.AreEqual($"bytes={response.ResumedBytes}-", requests[1].Range);
        Assert.AreEqual(0, downloader.ResumableBytes, "what was handed over is not kept twice");
    }

    /// <summary>
    /// The abandoned download is stuck in the app's request modifier, which ignores cancellation: the new download waits
    /// for it a moment only, then starts over.
    /// </summary>
    [TestMethod]
    public async Task DownloadAsync_RequestedAgainWhileTheAbandonedOneCannotUnwind_StartsOverWithoutWaitingForIt()
    {
        var name = nameof(DownloadAsync_RequestedAgainWhileTheAbandonedOneCannotUnwind_StartsOverWithoutWaitingForIt);
        var resource = s_server.Add(name, Image);
        var request = new ImageDownloadRequest(s_server.Url(name));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var options = DownloadTestOptions.Fast();
        options.RequestModifier = async (_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                entered.TrySetResult();
                await release.Task; // the app's modifier does not honour the token
            }
        };
        using var downloader = new ImageDownloader(options);
        try
        {
            using var scrolledAway = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
            var first = downloader.DownloadAsync(request, cancellationToken: scrolledAway.Token);
            await entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
            await scrolledAway.CancelAsync();
            await Assert.ThrowsAsync<OperationCanceledException>(() => first);

            var response = await downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken)
                .WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

            CollectionAssert.AreEqual(Image, response.Data.ToArray());
            Assert.AreEqual(0, response.ResumedBytes);
            Assert.IsFalse(release.Task.IsCompleted, "the abandoned download was still stuck");
        }
        finally
        {
            release.TrySetResult();
        }
    }
}
