using System.Net;
using System.Text;
using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Faults a review of the downloader found (2026-12-05): URL credentials left out of what makes two requests one, an
/// application callback's exception retried as the host's, and a half-open circuit opened again by an attempt that was
/// not its trial.
/// </summary>
[TestClass]
public sealed class ImageDownloaderReviewFindingsTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, server) =>
            {
                // Waits for the gate, then answers by the Basic credentials: alice gets the GIF, bob the PNG, others 401.
                app.MapGet("/whoami/{name}", async (HttpContext http, string name) =>
                {
                    var gate = server.GateFor(name);
                    gate.Arrived.TrySetResult();
                    await gate.Release.Task.WaitAsync(http.RequestAborted);
                    var auth = http.Request.Headers.Authorization.ToString();
                    string Basic(string u, string p) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{u}:{p}"));
                    if (auth == Basic("alice", "a"))
                    {
                        await ImageServer.WriteAsync(http, ImageServer.Gif);
                    }
                    else if (auth == Basic("bob", "b"))
                    {
                        await ImageServer.WriteAsync(http, ImageServer.Png, "image/png");
                    }
                    else
                    {
                        http.Response.StatusCode = 401;
                    }
                });
                app.MapGet("/status/{code:int}", (HttpContext context, int code) => context.Response.StatusCode = code);
                app.MapGet("/stall/{n}", async (HttpContext http, string n) =>
                {
                    var gate = server.GateFor("stall-" + n);
                    http.RequestAborted.Register(() => gate.Aborted.TrySetResult());
                    gate.Arrived.TrySetResult();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, http.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    private static Uri WithUser(string path, string user, string password)
    {
        var builder = new UriBuilder(s_server.Url(path)) { UserName = user, Password = password };
        return builder.Uri;
    }

    /// <summary>
    /// Two concurrent loads of the same URL with different credentials in the URL (sent as Basic authentication) are
    /// different HTTP requests; the key leaves out the user information, so bob gets alice's image.
    /// </summary>
    [TestMethod]
    public async Task DownloadAsync_SameUrlWithDifferentCredentials_AreTwoRequests()
    {
        using var downloader = new ImageDownloader();
        var gate = s_server.GateFor("creds");
        var alice = downloader.DownloadAsync(new ImageDownloadRequest(WithUser("/whoami/creds", "alice", "a")), cancellationToken: TestContext.CancellationToken);
        var bob = downloader.DownloadAsync(new ImageDownloadRequest(WithUser("/whoami/creds", "bob", "b")), cancellationToken: TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await Task.Delay(200, TestContext.CancellationToken);
        gate.Release.TrySetResult();

        var a = await alice;
        var b = await bob;
        CollectionAssert.AreEqual(ImageServer.Gif, a.Data.ToArray(), "alice");
        Assert.AreEqual(2, s_server.Hits("/whoami/creds"), "one HTTP request served both users");
        CollectionAssert.AreEqual(ImageServer.Png, b.Data.ToArray(), "bob received alice's image");
    }

    /// <summary>
    /// An attempt started while the circuit was closed is still in flight when the circuit opens and, after the break,
    /// goes half-open. Its caller cancels it while the real trial is under way: that cancellation is counted as a failure
    /// (the state is half-open), re-opening the circuit; the trial then succeeds but the circuit stays open.
    /// </summary>
    [TestMethod]
    public async Task CircuitHalfOpen_AnOlderAttemptCancelled_ASuccessfulTrialStillClosesIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.AttemptTimeout = TimeSpan.FromDays(1);
        options.TimeProvider = time;
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(20) };
        using var downloader = new ImageDownloader(options);

        using var oldCts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var old = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/stall/old")), cancellationToken: oldCts.Token);
        await s_server.GateFor("stall-old").Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/503")), cancellationToken: TestContext.CancellationToken));
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/503")), cancellationToken: TestContext.CancellationToken));
        time.Advance(TimeSpan.FromSeconds(21));

        var trialGate = s_server.GateFor("trial");
        var trial = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/trial")), cancellationToken: TestContext.CancellationToken);
        await trialGate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        await oldCts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => old);
        await s_server.GateFor("stall-old").Aborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await Task.Delay(100, TestContext.CancellationToken);

        trialGate.Release.TrySetResult();
        Assert.AreEqual(HttpStatusCode.OK, (await trial).StatusCode);

        var next = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/trial")), cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(HttpStatusCode.OK, next.StatusCode);
    }

    /// <summary>
    /// DownloadAsync's contract: "Exceptions thrown by RequestModifier or AcceptStatusCode propagate unchanged and are not
    /// retried". A modifier that fails with an OperationCanceledException of its own (a token fetch that timed out) or an
    /// IOException (reading a credentials file) is retried, and surfaces as an ImageDownloadException.
    /// </summary>
    [TestMethod]
    [DataRow("oce")]
    [DataRow("io")]
    public async Task DownloadAsync_RequestModifierThrows_PropagatesUnchangedAndIsNotRetried(string kind)
    {
        var calls = 0;
        var options = DownloadTestOptions.Fast(maxRetries: 3);
        options.RequestModifier = (_, _) =>
        {
            Interlocked.Increment(ref calls);
            throw kind == "oce" ? new OperationCanceledException("the token service timed out") : new IOException("credentials file locked");
        };
        using var downloader = new ImageDownloader(options);

        Exception? caught = null;
        try
        {
            await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/200")), cancellationToken: TestContext.CancellationToken);
        }
        catch (Exception e)
        {
            caught = e;
        }

        Assert.IsNotNull(caught);
        Assert.AreEqual(1, calls, $"the modifier ran {calls} times; caught {caught.GetType().Name}: {caught.Message}");
        Assert.IsInstanceOfType(caught, kind == "oce" ? typeof(OperationCanceledException) : typeof(IOException), $"{caught.GetType().Name}: {caught.Message}");
    }
}
