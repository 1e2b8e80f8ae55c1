using System.Net;
using System.Net.Http.Headers;
using ImageKit.Loading;

namespace ImageKit.Tests.Loading;

/// <summary>
/// The caller that started a download in a free slot on its own thread (and so awaits its run) ends as promptly as the
/// callers that joined it when the download is cancelled from outside, even while the run has not unwound yet.
/// </summary>
[TestClass]
public sealed class ImageDownloaderInlineRunTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Dispose_WhileAnInlineRunIgnoresCancellation_TheCreatorGetsOperationCanceledLikeItsJoiners()
    {
        var handler = new DeafHandler();
        using var client = new HttpClient(handler);
        var downloader = new ImageDownloader(client, new ImageDownloaderOptions { Retry = { MaxRetries = 0 }, CircuitBreaker = { Enabled = false } });
        var url = new Uri("http://imagekit.test/deaf.gif");
        try
        {
            // Started on a pool thread: the download runs inline, and its creator awaits that run.
            var creator = await Task.Run(() => new[] { downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken) }, TestContext.CancellationToken);
            await handler.Sent.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
            var joiner = downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken);

            downloader.Dispose();

            await Assert.ThrowsAsync<OperationCanceledException>(() => joiner.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken));
            await Assert.ThrowsAsync<OperationCanceledException>(() => creator[0].WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken));
        }
        finally
        {
            downloader.Dispose();
            handler.Release();
        }
    }

    // Answers only when the test releases it, whatever its token says (an app's handler or modifier that does not listen).
    private sealed class DeafHandler : HttpMessageHandler
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent.TrySetResult();
            await _release.Task.ConfigureAwait(false);
            var content = new ByteArrayContent(ImageServer.Gif);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/gif");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }
    }
}
