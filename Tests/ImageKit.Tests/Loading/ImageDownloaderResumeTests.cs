using System.Net;
using System.Runtime.CompilerServices;
using System.Diagnostics.Metrics;
using ImageKit.Caching;
using ImageKit.Diagnostics;
using ImageKit.Loading;
using ImageKit.Tests.Diagnostics;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Step = ImageKit.Tests.Loading.RangeImageServer.Step;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Cut-off bodies continued with <c>Range</c> / <c>If-Range</c> against ASP.NET Core's own range handling: by the next
/// attempt of a download, and by the next download after a cancelled one; never spliced onto another version.
/// </summary>
[TestClass]
public sealed class ImageDownloaderResumeTests
{
    private static readonly byte[] Image = ImageServer.BigGif;
    private static RangeImageServer s_server = null!;
    private static System.Security.Cryptography.X509Certificates.X509Certificate2 s_certificate = null!;
    private static RangeImageServer s_http2Server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServersAsync(TestContext context)
    {
        s_server = await RangeImageServer.StartAsync(certificate: null, context.CancellationToken);
        s_certificate = TestCertificates.SelfSignedForLoopback();
        s_http2Server = await RangeImageServer.StartAsync(s_certificate, context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServersAsync()
    {
        await s_server.DisposeAsync();
        await s_http2Server.DisposeAsync();
        s_certificate.Dispose();
    }

    [TestMethod]
    [DataRow("stream reset")]
    [DataRow("download cancelled")]
    public async Task DownloadAsync_OverHttp2_StreamResetOrDownloadCancelled_OnlyTheRestIsAskedFor(string how)
    {
        // A reset ends only the stream; a cancelled download (the stall, left by its caller) likewise. Either way the
        // next request asks for the rest.
        var name = $"{nameof(DownloadAsync_OverHttp2_StreamResetOrDownloadCancelled_OnlyTheRestIsAskedFor)}-{how.Replace(' ', '-')}";
        var cancelled = how == "download cancelled";
        var resource = s_http2Server.Add(name, Image);
        resource.Script.Enqueue(cancelled ? Step.Stall : Step.Cut);
        var url = s_http2Server.Url(name);
        var options = DownloadTestOptions.Fast(maxRetries: 1);
        options.AllowInvalidCertificates = true;
        using var downloader = new ImageDownloader(options);
        if (cancelled)
        {
            await CancelMidBodyAsync(downloader, resource, new ImageDownloadRequest(url));
        }

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(url), resource.ReportsCut(), TestContext.CancellationToken);

        Assert.AreEqual(new Version(2, 0), response.HttpVersion);
        CollectionAssert.AreEqual(Image, response.Data.ToArray());
        Assert.IsTrue(response.ResumedBytes is > 0 && response.ResumedBytes <= resource.CutAt, $"resumed after {response.ResumedBytes} of the {resource.CutAt} bytes sent");
        Assert.AreEqual($"bytes={response.ResumedBytes}-", resource.Requests.ToArray()[1].Range);
    }

    [TestMethod]
    [DataRow("reset", "etag")]
    [DataRow("reset", "last-modified")]
    [DataRow("attempt-timeout", "etag")]
    public async Task DownloadAsync_BodyCutOffMidway_NextAttemptAsksOnlyForTheRest(string cut, string validator)
    {
        var resource = s_server.Add(Name(cut, validator), Image);
        if (validator == "last-modified")
        {
            resource.Current = (Image, null, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        }

        resource.Script.Enqueue(cut == "reset" ? Step.Cut : Step.Stall);
        var options = DownloadTestOptions.Fast(maxRetries: 2);
        if (cut == "attempt-timeout")
        {
            options.AttemptTimeout = TimeSpan.FromMilliseconds(500);
        }

        using var downloader = new ImageDownloader(options);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(Name(cut, validator))), resource.ReportsCut(), TestContext.CancellationToken);

        CollectionAssert.AreEqual(Image, response.Data.ToArray());
        Assert.AreEqual(2, response.Attempts);
        Assert.AreEqual(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.IsTrue(response.ResumedBytes is > 0 && response.ResumedBytes <= resource.CutAt, $"resumed after {response.ResumedBytes} of the {resource.CutAt} bytes sent");
        var requests = resource.Requests.ToArray();
        Assert.HasCount(2, requests);
        Assert.IsNull(requests[0].Range);
        Assert.AreEqual($"bytes={response.ResumedBytes}-", requests[1].Range);
        Assert.AreEqual(validator == "etag" ? "\"v1\"" : "Fri, 02 Jan 2026 03:04:05 GMT", requests[1].IfRange);
        await WaitUntilAsync(() => resource.Settled);
        Assert.AreEqual(resource.CutAt + Image.Length - response.ResumedBytes, Interlocked.Read(ref resource.BodyBytesSent), "the second response carried only the rest");
        Assert.AreEqual(0, downloader.ResumableBytes, "a completed download keeps nothing");
    }

    [TestMethod]
    public async Task DownloadAsync_AfterADownloadCancelledMidBody_AsksOnlyForTheRest()
    {
        var resource = AddStallingOnce(nameof(DownloadAsync_AfterADownloadCancelledMidBody_AsksOnlyForTheRest));
        var url = s_server.Url(nameof(DownloadAsync_AfterADownloadCancelledMidBody_AsksOnlyForTheRest));
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        await CancelMidBodyAsync(downloader, resource, new ImageDownloadRequest(url));
        var kept = downloader.ResumableBytes;
        var progress = new List<ImageDownloadProgress>();
        var response = await downloader.DownloadAsync(new ImageDownloadRequest(url), new SynchronousProgress<ImageDownloadProgress>(progress.Add), TestContext.CancellationToken);

        Assert.IsGreaterThan(0, kept, "the cancelled download's bytes were kept");
        CollectionAssert.AreEqual(Image, response.Data.ToArray());
        Assert.AreEqual(1, response.Attempts);
        Assert.IsTrue(response.ResumedBytes is > 0 && response.ResumedBytes <= resource.CutAt);
        Assert.AreEqual($"bytes={response.ResumedBytes}-", resource.Requests.ToArray()[1].Range);
        Assert.AreEqual(new ImageDownloadProgress(response.ResumedBytes, Image.Length), progress[0], "progress starts at the bytes kept, out of the whole length");
        Assert.AreEqual(new ImageDownloadProgress(Image.Length, Image.Length), progress[^1]);
        Assert.AreEqual(0, downloader.ResumableBytes);
    }

    [TestMethod]
    public async Task DownloadAsync_Resumed_CountsTheBytesNotDownloadedAgain()
    {
        var name = nameof(DownloadAsync_Resumed_CountsTheBytesNotDownloadedAgain);
        var resource = s_server.Add(name, Image);
        resource.Script.Enqueue(Step.Cut);
        await using var harness = new DiagnosticsHarness();
        using var resumed = harness.Collect<long>(ImageKitDiagnostics.DownloadResumedBytes);
        var options = DownloadTestOptions.Fast(maxRetries: 1);
        options.MeterFactory = harness.Services.GetRequiredService<IMeterFactory>();
        using var downloader = new ImageDownloader(options);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(name)), resource.ReportsCut(), TestContext.CancellationToken);
        var whole = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(name)), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(0, whole.ResumedBytes);
        Assert.AreEqual(response.ResumedBytes, resumed.GetMeasurementSnapshot().Single().Value, "one measurement, for the resumed download only");
    }

    [TestMethod]
    public async Task DownloadAsync_ResumedWithPartialData_FirstSnapshotIsTheKeptBytesAndEverySnapshotStaysIntact()
    {
        var name = nameof(DownloadAsync_ResumedWithPartialData_FirstSnapshotIsTheKeptBytesAndEverySnapshotStaysIntact);
        var resource = AddStallingOnce(name);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        await CancelMidBodyAsync(downloader, resource, new ImageDownloadRequest(s_server.Url(name)) { ReportPartialData = true });
        var snapshots = new List<ReadOnlyMemory<byte>>();

        var response = await downloader.DownloadAsync(
            new ImageDownloadRequest(s_server.Url(name)) { ReportPartialData = true },
            new SynchronousProgress<ImageDownloadProgress>(p => snapshots.Add(p.PartialData)),
            TestContext.CancellationToken);

        Assert.AreEqual(response.ResumedBytes, snapshots[0].Length);
        foreach (var snapshot in snapshots)
        {
            CollectionAssert.AreEqual(Image[..snapshot.Length], snapshot.ToArray(), "a snapshot kept by the receiver is never overwritten");
        }

        Assert.AreEqual(Image.Length, snapshots[^1].Length);
    }

    [TestMethod]
    public async Task DownloadAsync_AfterADownloadThatEndedOnServerErrors_AsksOnlyForTheRest()
    {
        var name = nameof(DownloadAsync_AfterADownloadThatEndedOnServerErrors_AsksOnlyForTheRest);
        var resource = s_server.Add(name, Image);
        resource.Script.Enqueue(Step.Cut);
        resource.Script.Enqueue(Step.Unavailable);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 1));
        var failed = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(name)), resource.ReportsCut(), TestContext.CancellationToken));
        await WaitUntilAsync(() => downloader.ActiveDownloads == 0);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(name)), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        CollectionAssert.AreEqual(Image, response.Data.ToArray());
        Assert.IsGreaterThan(0L, response.ResumedBytes, "the bytes of the cut-off attempt outlived the failed download");
        Assert.AreEqual($"bytes={response.ResumedBytes}-", resource.Requests.ToArray()[2].Range);
    }

    [TestMethod]
    public async Task ImageDownloader_KeepingABodyAndDropped_IsCollected()
    {
        var downloader = await KeepABodyAndDropAsync(nameof(ImageDownloader_KeepingABodyAndDropped_IsCollected));

        // Continue on a fresh stack: frames of the cancelled download may still hold the downloader in debug builds.
        await Task.Yield();

        Assert.IsTrue(Leaks.CollectUntil(() => !downloader.IsAlive), "the bodies kept for resuming (and the cancelled download that left one) hold nothing that keeps their downloader alive");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task<WeakReference> KeepABodyAndDropAsync(string name)
    {
        var resource = AddStallingOnce(name);
        var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        await CancelMidBodyAsync(downloader, resource, new ImageDownloadRequest(s_server.Url(name)));
        Assert.IsGreaterThan(0, downloader.ResumableBytes);
        return new WeakReference(downloader);
    }

    [TestMethod]
    public async Task LoadImageAsync_AgainAfterALoadCancelledMidBody_DecodesTheWholeImageFromTheRestOnly()
    {
        var name = nameof(LoadImageAsync_AgainAfterALoadCancelledMidBody_DecodesTheWholeImageFromTheRestOnly);
        var resource = AddStallingOnce(name);
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = null }, DownloadTestOptions.Fast());
        using var scrolledAway = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var progress = new SynchronousProgress<ImageLoadProgress>(p =>
        {
            if (p.BytesReceived >= resource.CutAt && resource.ClientHasCut.TrySetResult())
            {
                scrolledAway.Cancel();
            }
        });
        await Assert.ThrowsAsync<OperationCanceledException>(() => manager.LoadImageAsync(s_server.Url(name), progress: progress, cancellationToken: scrolledAway.Token));
        await WaitUntilAsync(() => manager.Downloader.ActiveDownloads == 0);

        using var result = await manager.LoadImageAsync(s_server.Url(name), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Network, result.Source);
        Assert.AreEqual(Corpus.Get("cat.gif").FrameCount, result.Image.FrameCount);
        var requests = resource.Requests.ToArray();
        Assert.HasCount(2, requests);
        StringAssert.StartsWith(requests[1].Range, "bytes=");
        await WaitUntilAsync(() => resource.Settled);
        Assert.IsLessThan(2L * Image.Length - resource.CutAt, Interlocked.Read(ref resource.BodyBytesSent), "the second load did not download the whole image again");
    }

    [TestMethod]
    public async Task DownloadAsync_ImageChangedSinceTheCut_DownloadsTheNewOneWholeNeverSpliced()
    {
        var name = nameof(DownloadAsync_ImageChangedSinceTheCut_DownloadsTheNewOneWholeNeverSpliced);
        var resource = AddStallingOnce(name);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        await CancelMidBodyAsync(downloader, resource, new ImageDownloadRequest(s_server.Url(name)));
        var changed = ImageServer.Gif;
        resource.Current = (changed, new EntityTagHeaderValue("\"v2\""), null);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(name)), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual("\"v1\"", resource.Requests.ToArray()[1].IfRange, "the rest was asked for, on condition");
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual(0, response.ResumedBytes);
        CollectionAssert.AreEqual(changed, response.Data.ToArray());
        Assert.AreEqual("\"v2\"", response.ETag);
    }

    [TestMethod]
    [DataRow("206 of another range")]
    [DataRow("416")]
    public async Task DownloadAsync_RangeAnswerThatDoesNotContinueTheBody_AsksAgainForTheWhole(string answer)
    {
        var name = $"{nameof(DownloadAsync_RangeAnswerThatDoesNotContinueTheBody_AsksAgainForTheWhole)}-{answer}";
        var resource = s_server.Add(name, Image);
        resource.Script.Enqueue(Step.Cut);
        resource.Script.Enqueue(answer == "416" ? Step.NotSatisfiable : Step.WrongRange);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 1));

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(name)), resource.ReportsCut(), TestContext.CancellationToken);

        CollectionAssert.AreEqual(Image, response.Data.ToArray());
        Assert.AreEqual(0, response.ResumedBytes);
        Assert.AreEqual(2, response.Attempts, "the answer that did not fit cost a request, not an attempt");
        var requests = resource.Requests.ToArray();
        Assert.HasCount(3, requests);
        Assert.IsNotNull(requests[1].Range);
        Assert.IsNull(requests[2].Range);
        Assert.IsNull(requests[2].IfRange);
    }

    [TestMethod]
    [DataRow("no Accept-Ranges")]
    [DataRow("weak ETag")]
    [DataRow("no validator")]
    [DataRow("resuming off")]
    public async Task DownloadAsync_BodyTheServerCannotContinue_IsRetriedWhole(string why)
    {
        var name = $"{nameof(DownloadAsync_BodyTheServerCannotContinue_IsRetriedWhole)}-{why}";
        var resource = s_server.Add(name, Image);
        resource.AcceptRanges = why != "no Accept-Ranges";
        resource.Current = why switch
        {
            "weak ETag" => (Image, new EntityTagHeaderValue("\"v1\"", isWeak: true), null),
            "no validator" => (Image, null, null),
            _ => resource.Current,
        };
        resource.Script.Enqueue(Step.Cut);
        var options = DownloadTestOptions.Fast(maxRetries: 1);
        options.MaxResumableBytes = why == "resuming off" ? 0 : options.MaxResumableBytes;
        using var downloader = new ImageDownloader(options);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(name)), resource.ReportsCut(), TestContext.CancellationToken);

        CollectionAssert.AreEqual(Image, response.Data.ToArray());
        Assert.AreEqual(0, response.ResumedBytes);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.IsTrue(resource.Requests.All(r => r.Range is null && r.IfRange is null), "no range was asked for");
    }

    [TestMethod]
    public async Task DownloadAsync_ConditionalRequestCutOff_KeepsNothingToResume()
    {
        var name = nameof(DownloadAsync_ConditionalRequestCutOff_KeepsNothingToResume);
        var resource = AddStallingOnce(name);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        await CancelMidBodyAsync(downloader, resource, new ImageDownloadRequest(s_server.Url(name)) { IfNoneMatch = "\"v0\"" });

        Assert.AreEqual(0, downloader.ResumableBytes);
    }

    /// <summary>An app's logger that throws on "resuming" (event 2007, Debug) must not fail the download it logs.</summary>
    [TestMethod]
    public async Task DownloadAsync_ResumedWithALoggerThatThrowsOnResuming_StillCompletesWithTheWholeImage()
    {
        var name = nameof(DownloadAsync_ResumedWithALoggerThatThrowsOnResuming_StillCompletesWithTheWholeImage);
        var resource = s_server.Add(name, Image);
        resource.Script.Enqueue(Step.Cut);
        using var logging = new ThrowingOnEventLoggerProvider(2007);
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logging));
        var options = DownloadTestOptions.Fast(maxRetries: 1);
        options.LoggerFactory = loggerFactory;
        using var downloader = new ImageDownloader(options);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(name)), resource.ReportsCut(), TestContext.CancellationToken);

        Assert.AreEqual(1, logging.Throws, "the logger was asked to log the resumption");
        CollectionAssert.AreEqual(Image, response.Data.ToArray());
        Assert.IsGreaterThan(0, response.ResumedBytes);
    }

    [TestMethod]
    public async Task Dispose_DropsTheBodiesKept()
    {
        var name = nameof(Dispose_DropsTheBodiesKept);
        var resource = AddStallingOnce(name);
        var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        await CancelMidBodyAsync(downloader, resource, new ImageDownloadRequest(s_server.Url(name)));
        Assert.IsGreaterThan(0, downloader.ResumableBytes);

        downloader.Dispose();

        Assert.AreEqual(0, downloader.ResumableBytes);
    }

    // An image whose first answer sends a third of it and stalls.
    private static RangeImageServer.Resource AddStallingOnce(string name)
    {
        var resource = s_server.Add(name, Image);
        resource.Script.Enqueue(Step.Stall);
        return resource;
    }

    // A download cancelled by its only caller once the server has sent the first bytes and stalled; returns when its
    // queue slot is free (whatever it kept is kept by then).
    private async Task CancelMidBodyAsync(ImageDownloader downloader, RangeImageServer.Resource resource, ImageDownloadRequest request)
    {
        using var scrolledAway = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        await Assert.ThrowsAsync<OperationCanceledException>(() => downloader.DownloadAsync(request, resource.ReportsCut(scrolledAway.Cancel), scrolledAway.Token));
        await WaitUntilAsync(() => downloader.ActiveDownloads == 0);
    }

    private static string Name(string cut, string validator) => $"{nameof(DownloadAsync_BodyCutOffMidway_NextAttemptAsksOnlyForTheRest)}-{cut}-{validator}";

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + DownloadTestOptions.Patience;
        while (!condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "the condition never held");
            await Task.Delay(5);
        }
    }
}
