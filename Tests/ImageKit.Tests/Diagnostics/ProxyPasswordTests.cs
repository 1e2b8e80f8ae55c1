using System.Text.Json;
using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Diagnostics;

/// <summary>
/// A proxy from the environment (<c>https_proxy=http://user:password@proxy:3128</c>) that refuses the tunnel: .NET's
/// message names the proxy with its password ("The proxy tunnel request to proxy 'http://user:password@…' failed"), and
/// ImageKit quoted it in the failure, the retry and failure logs and <c>imagekit fetch</c>'s output, while its own
/// "through the proxy" beside it hid the password.
/// </summary>
[TestClass]
public sealed class ProxyPasswordTests
{
    private const string Password = "pr0xyPa55word";

    public TestContext TestContext { get; set; } = null!;

    /// <summary>In a process of its own: the environment proxy is read once per process.</summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Fetch_ThroughAProxyThatRefusesTheTunnel_ShowsTheProxyPasswordNowhere()
    {
        await using var proxy = await LoopbackServer.StartAsync(
            app => app.Run(context =>
            {
                context.Response.StatusCode = 407;
                return Task.CompletedTask;
            }),
            TestContext.CancellationToken);
        using var cache = new TempFolder();
        var proxyUrl = $"http://user:{Password}@127.0.0.1:{proxy.BaseAddress.Port}";
        var environment = new Dictionary<string, string>
        {
            ["https_proxy"] = proxyUrl,
            ["HTTPS_PROXY"] = proxyUrl,
            ["no_proxy"] = string.Empty,
            ["NO_PROXY"] = string.Empty,
        };

        var result = await DotnetCli.RunAsync(
            DotnetCli.Executable,
            [Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll"), "--verbose", "fetch", "https://images.example/a.gif", "--json", "--cache-dir", cache.Path],
            TimeSpan.FromSeconds(100),
            environment,
            TestContext.CancellationToken);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var error = json.RootElement.GetProperty("results")[0].GetProperty("error").GetString()!;
        StringAssert.Contains(error, "proxy tunnel request", result.ToString());
        Assert.DoesNotContain(Password, result.Stdout);
        Assert.DoesNotContain(Password, result.Stderr);
        StringAssert.Contains(result.Stderr, "[2004]", "the retry log was written");
    }
}
