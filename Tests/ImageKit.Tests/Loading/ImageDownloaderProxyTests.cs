using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ImageKit.Loading.Internal;
using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ImageKit.Tests.Loading;

/// <summary>
/// The downloader goes through the application's proxy (on Linux, <c>HTTP_PROXY</c> and the like), but never for a
/// loopback host: with <c>HTTP_PROXY</c> set, <c>imagekit demo</c>'s requests to its own server in its own process went
/// to the proxy and failed with the proxy's 403.
/// </summary>
[TestClass]
public sealed class ImageDownloaderProxyTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("http://127.0.0.1:8080/a.gif")]
    [DataRow("http://127.1.2.3/a.gif")]
    [DataRow("https://localhost:5001/a.gif")]
    [DataRow("http://[::1]:8080/a.gif")]
    public void LoopbackHost_IsReachedDirectly(string url)
    {
        var proxy = new LoopbackBypassingProxy(() => new WebProxy("http://proxy.example:3128"));

        Assert.IsTrue(proxy.IsBypassed(new Uri(url)));
        Assert.IsNull(proxy.GetProxy(new Uri(url)));
    }

    [TestMethod]
    public void OtherHosts_GoThroughTheApplicationsProxy()
    {
        var proxy = new LoopbackBypassingProxy(() => new WebProxy("http://proxy.example:3128", BypassOnLocal: false, BypassList: ["direct\\.example"]));

        Assert.IsFalse(proxy.IsBypassed(new Uri("http://images.example/a.gif")));
        Assert.AreEqual(new Uri("http://proxy.example:3128/"), proxy.GetProxy(new Uri("http://images.example/a.gif")));
        Assert.IsTrue(proxy.IsBypassed(new Uri("http://direct.example/a.gif")), "the application's own exceptions still hold");
    }

    /// <summary>
    /// In a process of its own, since the environment proxy is read once per process: <c>imagekit fetch</c> with
    /// <c>HTTP_PROXY</c> pointing at a proxy that serves every request itself and records it.
    /// </summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Fetch_WithHttpProxySet_ReachesLoopbackDirectlyAndOtherHostsThroughTheProxy()
    {
        var proxied = new ConcurrentQueue<string>();
        await using var proxy = await LoopbackServer.StartAsync(
            app => app.Run(async context =>
            {
                proxied.Enqueue(context.Features.Get<IHttpRequestFeature>()!.RawTarget);
                await LoopbackServer.Bytes(ImageServer.Gif, "image/gif")(context);
            }),
            TestContext.CancellationToken);
        var direct = 0;
        await using var origin = await LoopbackServer.StartAsync(
            app => app.MapGet("/direct.gif", (HttpContext context) =>
            {
                Interlocked.Increment(ref direct);
                return LoopbackServer.Bytes(ImageServer.Png, "image/png")(context);
            }),
            TestContext.CancellationToken);
        using var cache = new TempFolder();
        var proxyUrl = proxy.BaseAddress.AbsoluteUri.TrimEnd('/');
        var environment = new Dictionary<string, string>
        {
            ["http_proxy"] = proxyUrl,
            ["HTTP_PROXY"] = proxyUrl,
            ["no_proxy"] = string.Empty,
            ["NO_PROXY"] = string.Empty,
        };

        var result = await DotnetCli.RunAsync(
            DotnetCli.Executable,
            [Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll"), "fetch", origin.Url("/direct.gif").AbsoluteUri, "http://images.example/proxied.gif", "--json", "--cache-dir", cache.Path],
            TimeSpan.FromSeconds(100),
            environment,
            TestContext.CancellationToken);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual(2, json.RootElement.GetProperty("summary").GetProperty("network").GetInt32(), result.ToString());
        Assert.AreEqual(1, direct, "the loopback origin was asked directly");
        CollectionAssert.AreEqual(new[] { "http://images.example/proxied.gif" }, proxied.ToArray(), "only the other host went through the proxy");
    }

    /// <summary>A proxy that is down reads as such: .NET's message names only an address (the proxy's).</summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Fetch_ThroughAProxyThatIsDown_SaysTheConnectionToTheProxyFailed()
    {
        var port = ClosedPort();
        var proxyUrl = $"http://127.0.0.1:{port}";
        using var cache = new TempFolder();
        var environment = new Dictionary<string, string> { ["http_proxy"] = proxyUrl, ["HTTP_PROXY"] = proxyUrl, ["no_proxy"] = string.Empty, ["NO_PROXY"] = string.Empty };

        var result = await DotnetCli.RunAsync(
            DotnetCli.Executable,
            [Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll"), "fetch", "http://images.example/a.gif", $"http://127.0.0.1:{port}/direct.gif", "--json", "--cache-dir", cache.Path],
            TimeSpan.FromSeconds(100),
            environment,
            TestContext.CancellationToken);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var errors = json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("error").GetString()!).ToArray();
        StringAssert.Contains(errors[0], $"through the proxy {proxyUrl} ");
        Assert.DoesNotContain("proxy", errors[1], "the loopback URL was not sent through the proxy");
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port; // nothing listens there once the listener is disposed
    }
}
