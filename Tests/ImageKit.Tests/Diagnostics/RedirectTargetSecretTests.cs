using System.Text.Json;
using ImageKit.Caching;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ImageKit.Tests.Diagnostics;

/// <summary>
/// A redirect whose Location carries a password (<c>user:password@host</c>) that the downloader cannot follow: the
/// Location is quoted in the failure, and its password must be shown as <c>***</c> there as in every other URL ImageKit
/// shows (the exception, the LoadFailed log, the load's activity status, <c>imagekit fetch</c> in text and JSON).
/// </summary>
[TestClass]
public sealed class RedirectTargetSecretTests
{
    private const string Password = "pa55w0rdInLocation";

    public TestContext TestContext { get; set; } = null!;

    // "//user:pw@host:99999/…": .NET reads it as a relative Location that cannot be resolved (the port is out of range);
    // "http://user:pw@host:99999/…": .NET leaves it unparsed (Location is null), and the raw header is quoted.
    [TestMethod]
    [DataRow("//user:" + Password + "@127.0.0.1:99999/a.gif", "//user:***@127.0.0.1:99999/a.gif")]
    [DataRow("http://user:" + Password + "@127.0.0.1:99999/a.gif", "http://user:***@127.0.0.1:99999/a.gif")]
    public async Task LoadImageAsync_RedirectToUnusableLocationWithPassword_HidesThePasswordEverywhere(string location, string shown)
    {
        await using var server = await StartRedirectingServerAsync(location);
        using var trace = new TestTrace();
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        using var folder = new TempFolder();
        await using var manager = new ImageManager(
            new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } },
            DownloadTestOptions.Fast(maxRetries: 0),
            new ImageManagerOptions { LoggerFactory = loggers });

        var failure = await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(server.Url("/moved.gif"), cancellationToken: TestContext.CancellationToken));

        StringAssert.Contains(failure.Message, shown);
        Assert.DoesNotContain(Password, failure.Message);
        Assert.DoesNotContain(Password, trace.Single("ImageKit.LoadImage").StatusDescription ?? string.Empty);
        var loadFailed = logs.GetSnapshot().Single(r => r.Id.Id == 1003).Message;
        StringAssert.Contains(loadFailed, shown);
        Assert.DoesNotContain(Password, string.Join("\n", logs.GetSnapshot().Select(r => r.Message)));
    }

    [TestMethod]
    [DataRow("//user:" + Password + "@127.0.0.1:99999/a.gif")]
    [DataRow("http://user:" + Password + "@127.0.0.1:99999/a.gif")]
    public async Task Fetch_RedirectToUnusableLocationWithPassword_HidesThePasswordInTextAndJson(string location)
    {
        await using var server = await StartRedirectingServerAsync(location);
        using var folder = new TempFolder();
        var url = server.Url("/moved.gif").OriginalString;

        var text = await Cli.CliRunner.RunAsync("fetch", url, "--cache-dir", folder.Path);
        var json = await Cli.CliRunner.RunAsync("fetch", url, "--cache-dir", folder.Path, "--json");

        Assert.AreEqual(1, text.ExitCode, text.Stderr);
        Assert.AreEqual(1, json.ExitCode, json.Stderr);
        StringAssert.Contains(text.Stdout, "user:***@127.0.0.1:99999/a.gif");
        using var document = JsonDocument.Parse(json.Stdout);
        StringAssert.Contains(document.RootElement.GetProperty("results")[0].GetProperty("error").GetString(), "user:***@127.0.0.1:99999/a.gif");
        Assert.DoesNotContain(Password, text.Stdout + text.Stderr + json.Stdout + json.Stderr);
    }

    private Task<LoopbackServer> StartRedirectingServerAsync(string location) =>
        LoopbackServer.StartAsync(
            app => app.MapGet("/moved.gif", (HttpContext context) =>
            {
                context.Response.StatusCode = 302;
                context.Response.Headers.Location = location;
            }),
            TestContext.CancellationToken);
}
