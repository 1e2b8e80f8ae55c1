using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using ImageKit.DependencyInjection;
using ImageKit.Loading;
using ImageKit.Loading.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Redirects are followed by ImageKit's RedirectHandler below the application's handlers, so each hop is checked: only
/// http and https, never from https down to http, credentials only to the request's own origin whoever set them, and a
/// refusal is a clear, unretried failure.
/// </summary>
[TestClass]
public sealed class ImageDownloaderRedirectTests
{
    private static ImageServer s_origin = null!;
    private static ImageServer s_other = null!;
    private static readonly ConcurrentQueue<string> s_seen = new();

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServersAsync(TestContext context)
    {
        s_other = await ImageServer.StartAsync(
            (app, _) => app.MapGet("/image.gif", RecordAndServe),
            context.CancellationToken);
        s_origin = await ImageServer.StartAsync(
            (app, _) =>
            {
                app.MapGet("/image.gif", RecordAndServe);
                app.MapGet("/to-ftp", (HttpContext c) => c.Response.Redirect("ftp://127.0.0.1/image.gif"));
                app.MapGet("/to-file", (HttpContext c) => c.Response.Redirect("file:///etc/passwd"));
                app.MapGet("/to-same-origin", (HttpContext c) => c.Response.Redirect("/image.gif"));
                app.MapGet("/to-other-origin", (HttpContext c) => c.Response.Redirect(s_other.Url("/image.gif").ToString()));
                app.MapGet("/to-not-modified", (HttpContext c) => c.Response.Redirect("/not-modified"));
                app.MapGet("/not-modified", (HttpContext c) =>
                {
                    c.Response.StatusCode = 304;
                    c.Response.Headers.ETag = "\"v1\"";
                });
                app.MapGet("/see-other", (HttpContext c) =>
                {
                    c.Response.StatusCode = 303;
                    c.Response.Headers.Location = "/image.gif";
                });
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServersAsync()
    {
        await s_origin.DisposeAsync();
        await s_other.DisposeAsync();
    }

    private static Task RecordAndServe(HttpContext context)
    {
        var headers = context.Request.Headers;
        s_seen.Enqueue($"{context.Request.Host.Port}|auth={headers.Authorization}|cookie={headers.Cookie}|x={headers["X-Trace"]}");
        return ImageServer.WriteAsync(context, ImageServer.Gif);
    }

    [TestMethod]
    [DataRow("/to-ftp", "ftp://127.0.0.1/image.gif")]
    [DataRow("/to-file", "file:///etc/passwd")]
    public async Task DownloadAsync_RedirectToAnotherScheme_FailsAtOnceNamingTheTarget(string path, string target)
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var before = s_origin.Hits(path);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_origin.Url(path)), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.TooManyRedirects, ex.Failure, ex.Message);
        StringAssert.Contains(ex.Message, target);
        StringAssert.Contains(ex.Message, "only http and https URLs are followed");
        Assert.AreEqual(1, ex.Attempts, "a refused redirect is not retried");
        Assert.AreEqual(before + 1, s_origin.Hits(path));
        Assert.AreEqual(s_origin.Url(path).ToString(), ex.SourceName);
    }

    [TestMethod]
    public async Task DownloadAsync_RedirectToAnotherSchemeThroughDependencyInjectionClient_IsRefused()
    {
        await using var services = ContainerWithImageKit().BuildServiceProvider();
        var downloader = services.GetRequiredService<ImageDownloader>();

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_origin.Url("/to-ftp")), cancellationToken: TestContext.CancellationToken));
        var followed = await downloader.DownloadAsync(new ImageDownloadRequest(s_origin.Url("/to-same-origin")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageDownloadFailure.TooManyRedirects, ex.Failure, ex.Message);
        StringAssert.Contains(ex.Message, "only http and https URLs are followed");
        Assert.AreEqual(s_origin.Url("/image.gif"), followed.FinalUrl);
    }

    [TestMethod]
    public async Task DownloadAsync_AppClientThatFollowsToFileUrl_FailsAsImageDownloadException()
    {
        using var client = new HttpClient();
        using var downloader = new ImageDownloader(client, DownloadTestOptions.Fast());

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_origin.Url("/to-file")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.TooManyRedirects, ex.Failure, ex.Message);
        StringAssert.Contains(ex.Message, "could not follow a redirect");
        Assert.AreEqual(1, ex.Attempts);
    }

    [TestMethod]
    public async Task DownloadAsync_RedirectToOtherOrigin_DropsCredentialsAndTheRequestsOwnHeaders()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var request = new ImageDownloadRequest(s_origin.Url("/to-other-origin"))
        {
            Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer secret", ["Cookie"] = "session=1", ["X-Trace"] = "t1" },
        };
        s_seen.Clear();

        var response = await downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(s_other.Url("/image.gif"), response.FinalUrl);
        Assert.AreEqual($"{s_other.Url("/").Port}|auth=|cookie=|x=", s_seen.Single());
    }

    [TestMethod]
    public async Task DownloadAsync_RedirectWithinOrigin_KeepsCredentials()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var request = new ImageDownloadRequest(s_origin.Url("/to-same-origin"))
        {
            Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer secret", ["X-Trace"] = "t2" },
        };
        s_seen.Clear();

        var response = await downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(s_origin.Url("/image.gif"), response.FinalUrl);
        Assert.AreEqual($"{s_origin.Url("/").Port}|auth=Bearer secret|cookie=|x=t2", s_seen.Single());
    }

    [TestMethod]
    public async Task DownloadAsync_SeeOther_IsFollowedWithGet()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_origin.Url("/see-other")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(s_origin.Url("/image.gif"), response.FinalUrl);
        Assert.AreEqual(ImageServer.Gif.Length, response.Data.Length);
    }

    [TestMethod]
    public async Task DownloadAsync_RequestModifierAddingAuthorization_RunsOnceAndItsTokenStaysOnTheOrigin()
    {
        var calls = 0;
        var options = DownloadTestOptions.Fast();
        options.RequestModifier = (message, _) =>
        {
            Interlocked.Increment(ref calls);
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret");
            return ValueTask.CompletedTask;
        };
        using var downloader = new ImageDownloader(options);
        s_seen.Clear();

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_origin.Url("/to-other-origin")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(s_other.Url("/image.gif"), response.FinalUrl);
        Assert.AreEqual(1, calls, "the modifier runs once per attempt; redirects are followed below it");
        Assert.AreEqual($"{s_other.Url("/").Port}|auth=|cookie=|x=", s_seen.Single(), "the origin's token leaked to another origin");
    }

    [TestMethod]
    public async Task DownloadAsync_DependencyInjectionClientDefaultAuthorization_IsNotSentToOtherOrigin()
    {
        var services = ContainerWithImageKit();
        services.AddHttpClient(ImageKitDefaults.HttpClientName)
            .ConfigureHttpClient(c => c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "secret"));
        await using var provider = services.BuildServiceProvider();
        var downloader = provider.GetRequiredService<ImageDownloader>();
        s_seen.Clear();

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_origin.Url("/to-other-origin")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(s_other.Url("/image.gif"), response.FinalUrl);
        Assert.AreEqual($"{s_other.Url("/").Port}|auth=|cookie=|x=", s_seen.Single(), "the origin's token leaked to another origin");
    }

    [TestMethod]
    public async Task DownloadAsync_DependencyInjectionAuthHandler_RunsOnceAndItsTokenStaysOnTheOrigin()
    {
        var services = ContainerWithImageKit();
        var handler = new BearerHandler();
        services.AddHttpClient(ImageKitDefaults.HttpClientName).AddHttpMessageHandler(() => handler);
        await using var provider = services.BuildServiceProvider();
        var downloader = provider.GetRequiredService<ImageDownloader>();
        s_seen.Clear();

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_origin.Url("/to-other-origin")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(s_other.Url("/image.gif"), response.FinalUrl);
        Assert.AreEqual(1, handler.Calls);
        Assert.AreEqual($"{s_other.Url("/").Port}|auth=|cookie=|x=", s_seen.Single(), "the origin's token leaked to another origin");
    }

    [TestMethod]
    public async Task DownloadAsync_AppClientRedirectThenNotModified_FinalUrlIsTheRedirectTarget()
    {
        using var client = new HttpClient();
        using var downloader = new ImageDownloader(client, DownloadTestOptions.Fast());
        var request = new ImageDownloadRequest(s_origin.Url("/to-not-modified")) { IfNoneMatch = "\"v1\"" };

        var response = await downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken);

        Assert.IsTrue(response.NotModified);
        Assert.AreEqual(s_origin.Url("/not-modified"), response.FinalUrl);
    }

    [TestMethod]
    public async Task DownloadAsync_OwnClientRedirectThenNotModified_FinalUrlIsTheRedirectTarget()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var request = new ImageDownloadRequest(s_origin.Url("/to-not-modified")) { IfNoneMatch = "\"v1\"" };

        var response = await downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken);

        Assert.IsTrue(response.NotModified);
        Assert.AreEqual(s_origin.Url("/not-modified"), response.FinalUrl);
    }

    [TestMethod]
    public async Task DownloadAsync_RedirectFromHttpsToHttp_IsRefused()
    {
        // No TLS server here: a handler answers the https request with a redirect to plain http, as a server would.
        using var client = new HttpClient(new RedirectHandler(10) { InnerHandler = new RedirectingHandler("http://images.example/a.gif") });
        using var downloader = ImageDownloader.OverConfiguredClient(client, DownloadTestOptions.Fast());

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(new Uri("https://images.example/a.gif")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.TooManyRedirects, ex.Failure, ex.Message);
        StringAssert.Contains(ex.Message, "leaves https for plain http");
        Assert.AreEqual(1, ex.Attempts);
    }

    private static IServiceCollection ContainerWithImageKit() => new ServiceCollection().AddImageKit(o =>
    {
        o.DiskCache.Enabled = false;
        o.Downloader.Retry.MaxRetries = 0;
    });

    private sealed class BearerHandler : DelegatingHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret");
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class RedirectingHandler(string location) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(HttpStatusCode.Found) { RequestMessage = request };
            response.Headers.Location = new Uri(location);
            return Task.FromResult(response);
        }
    }
}
