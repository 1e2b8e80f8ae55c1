using System.Net;
using System.Net.Http.Headers;
using ImageKit.Loading;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A download that starts at once in a free slot hands its result to its caller on the thread that ends it, once its
/// slot is free again, instead of through another thread-pool work item; callers that joined it still get the result.
/// </summary>
[TestClass]
public sealed class ImageDownloaderContinuationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task DownloadAsync_StartedInAFreeSlot_ContinuesOnTheThreadThatEndsTheDownloadAfterFreeingItsSlot()
    {
        var handler = new HeldHandler();
        using var client = new HttpClient(handler);
        using var downloader = new ImageDownloader(client, new ImageDownloaderOptions { MaxConcurrentDownloads = 1, Retry = { MaxRetries = 0 }, CircuitBreaker = { Enabled = false } });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);

        // Started on a pool thread, as an app's loads are: the download takes the free slot on this thread.
        var first = await Task.Run(() => (Task: ObserveAsync(downloader, "http://imagekit.test/first.gif", stop.Token), Sent: handler.Answers.Count), TestContext.CancellationToken);
        Assert.AreEqual(1, first.Sent, "the first download was sent on the caller's thread");

        // Waits behind it for the only slot.
        var second = downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://imagekit.test/second.gif")), cancellationToken: stop.Token);
        Assert.AreEqual(1, downloader.QueuedDownloads);

        var answering = new Thread(() => handler.Answer(0)) { Name = "answering thread", IsBackground = true };
        answering.Start();
        var (thread, queuedThen, data) = await first.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        Assert.AreEqual("answering thread", thread, "the caller went on where the download ended, not on another pool thread");
        Assert.AreEqual(0, queuedThen, "the slot was handed to the queued download before the caller went on");
        CollectionAssert.AreEqual(ImageServer.Gif, data);

        await stop.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => second);
    }

    [TestMethod]
    public async Task DownloadAsync_JoinedWhileRunning_EveryCallerGetsTheResult()
    {
        var handler = new HeldHandler();
        using var client = new HttpClient(handler);
        using var downloader = new ImageDownloader(client, new ImageDownloaderOptions { Retry = { MaxRetries = 0 }, CircuitBreaker = { Enabled = false } });
        var url = new Uri("http://imagekit.test/shared.gif");

        var creator = (await Task.Run(() => new[] { ObserveAsync(downloader, url.OriginalString, TestContext.CancellationToken) }, TestContext.CancellationToken))[0];
        var joiners = Enumerable.Range(0, 3).Select(_ => downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken)).ToArray();

        handler.Answer(0);
        var (_, _, data) = await creator.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var joined = await Task.WhenAll(joiners).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        Assert.AreEqual(1, handler.Answers.Count);
        CollectionAssert.AreEqual(ImageServer.Gif, data);
        Assert.IsTrue(joined.All(r => r.Data.ToArray().SequenceEqual(ImageServer.Gif)));
    }

    private static async Task<(string? Thread, int Queued, byte[] Data)> ObserveAsync(ImageDownloader downloader, string url, CancellationToken cancellationToken)
    {
        var response = await downloader.DownloadAsync(new ImageDownloadRequest(new Uri(url)), cancellationToken: cancellationToken).ConfigureAwait(false);
        return (Thread.CurrentThread.Name, downloader.QueuedDownloads, response.Data.ToArray());
    }

    // Holds every request until the test answers it, from whichever thread calls Answer.
    private sealed class HeldHandler : HttpMessageHandler
    {
        public List<TaskCompletionSource<HttpResponseMessage>> Answers { get; } = [];

        public void Answer(int index)
        {
            TaskCompletionSource<HttpResponseMessage> answer;
            lock (Answers)
            {
                answer = Answers[index];
            }

            var content = new ByteArrayContent(ImageServer.Gif);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/gif");
            answer.TrySetResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // Continuations run on the thread that answers, as a socket's completion runs them on its own.
            var answer = new TaskCompletionSource<HttpResponseMessage>();
            cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
            lock (Answers)
            {
                Answers.Add(answer);
            }

            return answer.Task;
        }
    }
}
