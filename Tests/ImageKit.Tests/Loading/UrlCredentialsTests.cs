using System.Collections.Concurrent;
using ImageKit.Caching;
using ImageKit.Internal;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A URL with user information (<c>https://user:password@host/…</c>): .NET dropped the credentials without a word, and
/// the password went verbatim into logs, exceptions, the CLI's output and the disk cache's index. The credentials now
/// go out as Basic authentication, as curl sends them, and the password is shown nowhere (<c>***</c>).
/// </summary>
[TestClass]
public sealed class UrlCredentialsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("http://user:s3cret@host/a.gif", "http://user:***@host/a.gif")]
    [DataRow("https://user:s3cret@host:8443", "https://user:***@host:8443")]
    [DataRow("http://user:p%40ss@host/a.gif?q=a@b#c@d", "http://user:***@host/a.gif?q=a@b#c@d")]
    [DataRow("http://user@host/a.gif", "http://user@host/a.gif")] // a user name alone is no secret
    [DataRow("http://host/a@b.gif", "http://host/a@b.gif")]
    [DataRow("http://host/a.gif", "http://host/a.gif")]
    public void Describe_AUrlWithAPassword_ShowsItAsThreeStars(string url, string shown)
    {
        Assert.AreEqual(shown, UrlText.Describe(new Uri(url)));
    }

    [TestMethod]
    public async Task LoadImageAsync_UrlWithUserAndPassword_SendsBasicAuthenticationAndShowsThePasswordNowhere()
    {
        var gif = Corpus.Read("TestImage.gif");
        var authorizations = new ConcurrentQueue<string>();
        await using var server = await LoopbackServer.StartAsync(
            app =>
            {
                app.MapGet("/a.gif", async (HttpContext context) =>
                {
                    authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
                    await context.Response.Body.WriteAsync(gif);
                });
                app.MapGet("/missing.gif", (HttpContext context) => context.Response.StatusCode = 404);
            },
            TestContext.CancellationToken);
        var url = new Uri($"http://me:p%40ss@{server.BaseAddress.Authority}/a.gif");
        var missing = new Uri($"http://me:p%40ss@{server.BaseAddress.Authority}/missing.gif");
        using var folder = new TempFolder();
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        await using var manager = new ImageManager(
            new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } },
            DownloadTestOptions.Fast(maxRetries: 0),
            new ImageManagerOptions { LoggerFactory = loggers });

        (await manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
        var failure = await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(missing, cancellationToken: TestContext.CancellationToken));
        var stored = await manager.Cache.GetEncodedAsync(url.AbsoluteUri, TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { "Basic " + Convert.ToBase64String("me:p@ss"u8.ToArray()) }, authorizations.ToArray());
        Assert.AreEqual($"http://me:***@{server.BaseAddress.Authority}/a.gif", stored!.Metadata.OriginalUrl!.OriginalString);
        Assert.DoesNotContain("p%40ss", failure.Message + failure.SourceName);
        Assert.AreEqual($"http://me:***@{server.BaseAddress.Authority}/missing.gif", failure.SourceName);
        var logged = logs.GetSnapshot();
        Assert.IsNotEmpty(logged);
        Assert.IsFalse(logged.Any(r => r.Message.Contains("p%40ss", StringComparison.Ordinal)), string.Join("\n", logged.Select(r => r.Message)));
        var index = File.ReadAllBytes(folder.Combine("index.sqlite")).Concat(File.Exists(folder.Combine("index.sqlite-wal")) ? File.ReadAllBytes(folder.Combine("index.sqlite-wal")) : []).ToArray();
        Assert.AreEqual(-1, index.AsSpan().IndexOf("p%40ss"u8), "the password is not in the index");
    }

    [TestMethod]
    public async Task Fetch_UrlWithAPassword_ShowsItAsThreeStarsInTextAndJson()
    {
        using var folder = new TempFolder();
        const string url = "http://me:s3cret@127.0.0.1:9/a.gif"; // nothing listens there: a failure, named

        var text = await Cli.CliRunner.RunAsync("fetch", url, "--cache-dir", folder.Path);
        var json = await Cli.CliRunner.RunAsync("fetch", url, "--cache-dir", folder.Path, "--json");

        StringAssert.Contains(text.Stdout, "failed  http://me:***@127.0.0.1:9/a.gif: ");
        StringAssert.Contains(json.Stdout, "\"url\":\"http://me:***@127.0.0.1:9/a.gif\"");
        Assert.DoesNotContain("s3cret", text.Stdout + text.Stderr + json.Stdout + json.Stderr);
    }

    // The retry and circuit logs name the host: by scheme, host and port, never with the user information.
    [TestMethod]
    public async Task DownloadAsync_RetriesAndACircuitForAUrlWithAPassword_LogTheHostWithoutIt()
    {
        var attempts = 0;
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/a.gif", (HttpContext context) => context.Response.StatusCode = Interlocked.Increment(ref attempts) < 99 ? 503 : 200),
            TestContext.CancellationToken);
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        var options = DownloadTestOptions.Fast(maxRetries: 2);
        options.LoggerFactory = loggers;
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { MinimumThroughput = 2 };
        using var downloader = new ImageDownloader(options);

        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(new Uri($"http://me:s3cret@{server.BaseAddress.Authority}/a.gif")), cancellationToken: TestContext.CancellationToken));

        var messages = logs.GetSnapshot().Select(r => r.Message).ToList();
        Assert.IsTrue(messages.Any(m => m.Contains($"http://{server.BaseAddress.Authority}", StringComparison.Ordinal) && m.StartsWith("Circuit opened", StringComparison.Ordinal)), string.Join("\n", messages));
        Assert.IsFalse(messages.Any(m => m.Contains("s3cret", StringComparison.Ordinal)), string.Join("\n", messages));
    }

    [TestMethod]
    public async Task DownloadAsync_UrlWithCredentialsAndTheLoadsOwnAuthorization_SendsTheLoadsOwn()
    {
        var authorizations = new ConcurrentQueue<string>();
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/a.gif", async (HttpContext context) =>
            {
                authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
                await context.Response.Body.WriteAsync(Corpus.Read("TestImage.gif"));
            }),
            TestContext.CancellationToken);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));
        var request = new ImageDownloadRequest(new Uri($"http://me:pw@{server.BaseAddress.Authority}/a.gif"))
        {
            Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer token" },
        };

        await downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { "Bearer token" }, authorizations.ToArray());
    }
}
