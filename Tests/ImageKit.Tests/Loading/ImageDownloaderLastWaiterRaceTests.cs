using System.Reflection;
using ImageKit.Loading;
using ImageKit.Loading.Internal;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>
/// The last waiter of a shared download cancels just as the download fails: the failure lands on a task nobody waits for
/// any more, and must not be reported as an unobserved task exception when it is collected.
/// </summary>
/// <remarks>
/// Cancelled on a thread with a synchronization context (a UI thread), the wait ends and stops watching the download's
/// task at once, but the call resumes later on a pool thread. The race is made certain by holding the coalescer's lock:
/// the resumed call stops in <c>RequestCoalescer.Leave</c>, before it can cancel the download, and the download fails
/// meanwhile. (Cancelled on a pool thread, the call resumes inline, and the wait is still attached when it fails.)
/// </remarks>
[TestClass]
public sealed class ImageDownloaderLastWaiterRaceTests
{
    private const string Name = "last-waiter-race";
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, server) =>
            {
                // Waits for the gate of the same name, then answers 404 (a failure, not retried).
                app.MapGet("/gated-404/{name}", async (HttpContext http, string name) =>
                {
                    var gate = server.GateFor(name);
                    gate.Arrived.TrySetResult();
                    await gate.Release.Task.WaitAsync(http.RequestAborted);
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                });
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task DownloadAsync_LastWaiterCancelsAsTheDownloadFails_NoUnobservedTaskException()
    {
        var unobserved = await UnobservedDownloadFailures.CollectAsync(Name, 3, LastWaiterCancelsAsTheDownloadFailsAsync, TestContext.CancellationToken);

        Assert.IsEmpty(unobserved, string.Join(Environment.NewLine, unobserved.Take(1)));
    }

    // Nothing of the download outlives this method's state machine but the downloader's own references, so that the
    // failed task can be collected afterwards.
    private async Task LastWaiterCancelsAsTheDownloadFailsAsync(string name)
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));
        var gate = s_server.GateFor(name);
        var request = new ImageDownloadRequest(s_server.Url($"/gated-404/{name}"));
        using var cts = new CancellationTokenSource();
        var leaving = downloader.DownloadAsync(request, cancellationToken: cts.Token);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        var coalescer = typeof(ImageDownloader).GetField("_coalescer", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(downloader)!;
        var coalescerLock = (Lock)typeof(RequestCoalescer).GetField("_lock", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(coalescer)!;
        var inFlight = (Dictionary<DownloadKey, SharedDownload>)typeof(RequestCoalescer).GetField("_inFlight", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(coalescer)!;
        Task completion;
        lock (coalescerLock)
        {
            completion = inFlight[DownloadKey.From(request)].Completion.Task;
        }

        // A thread of its own holds the lock (a Lock is released by the thread that took it).
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using (coalescerLock.EnterScope())
            {
                held.Set();
                release.Wait();
            }
        }) { IsBackground = true };
        holder.Start();
        Assert.IsTrue(held.Wait(DownloadTestOptions.Patience, TestContext.CancellationToken));

        try
        {
            // Cancelled from a UI thread (a context of its own): the caller's wait ends and stops watching the download's
            // task at once, and its call resumes on a pool thread, which blocks on the lock in Leave before it can
            // cancel the download.
            var canceller = new Thread(() =>
            {
                SynchronizationContext.SetSynchronizationContext(new QueueingContext());
                cts.Cancel();
            }) { IsBackground = true };
            canceller.Start();
            Assert.IsTrue(canceller.Join(DownloadTestOptions.Patience), "the cancellation blocked");
            Assert.IsFalse(leaving.IsCompleted, "the caller's call ended before the download failed: the race was not made");

            // Now the download fails (its 404), before the caller could cancel it.
            gate.Release.TrySetResult();
            await Task.WhenAny(completion).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
            Assert.IsTrue(completion.IsFaulted, $"the download's task is {completion.Status}, not failed: the race was not made");
        }
        finally
        {
            release.Set();
        }

        await Assert.ThrowsAsync<OperationCanceledException>(() => leaving);
        Assert.IsTrue(SpinWait.SpinUntil(() => downloader.ActiveDownloads == 0, DownloadTestOptions.Patience));
    }
}
