using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.DependencyInjection;
using ImageKit.Diagnostics;
using ImageKit.Internal;
using ImageKit.Loading;
using ImageKit.Tests.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// <see cref="ImageManager.WarmUpAsync"/> runs a load's code once without the network or the manager's caches. Not in
/// parallel with other classes: these tests listen to the process-wide <c>ImageKit</c> activity source and meters and
/// count the warm-up's own meter, and another class's loads would be seen there.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class ImageManagerWarmUpTests
{
    // The instruments a load records into; players' instruments are left out (a player of another class may still tick).
    private static readonly HashSet<string> s_loadInstruments =
    [
        ImageKitDiagnostics.CacheHits, ImageKitDiagnostics.CacheMisses, ImageKitDiagnostics.DownloadBytes, ImageKitDiagnostics.DownloadResumedBytes,
        ImageKitDiagnostics.DownloadDuration, ImageKitDiagnostics.DownloadRetries, ImageKitDiagnostics.CircuitBreaks,
        ImageKitDiagnostics.DecodeDuration, ImageKitDiagnostics.Loads, ImageKitDiagnostics.LoadDuration,
    ];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void WarmUpImages_EachDecodesWithTheDefaultDecoders()
    {
        foreach (var (name, _, data) in WarmUpImages.All)
        {
            using var image = ImageDecoderRegistry.Default.Decode(data, ImageDecodeOptions.Default);
            using var frame = image.GetFrame(0);
            Assert.AreEqual(name.EndsWith(".gif", StringComparison.Ordinal) ? 2 : 1, image.FrameCount, name);
            Assert.IsGreaterThan(0, frame.Width, name);
        }
    }

    [TestMethod]
    public async Task WarmUpAsync_LeavesCachesRequestsLogsMetricsAndTracesUntouched()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        using var folder = new TempFolder();
        var collector = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        var measurements = new ConcurrentQueue<string>();
        using var meters = ListenToImageKitMeters(measurements);
        var activities = new ConcurrentQueue<string>();
        using var tracing = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("ImageKit", StringComparison.OrdinalIgnoreCase),
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity => activities.Enqueue(activity.OperationName),
        };
        ActivitySource.AddActivityListener(tracing);
        var modified = 0;
        await using var manager = new ImageManager(
            new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path }, LoggerFactory = loggers },
            new ImageDownloaderOptions { LoggerFactory = loggers, RequestModifier = (_, _) => { Interlocked.Increment(ref modified); return ValueTask.CompletedTask; } },
            new ImageManagerOptions { LoggerFactory = loggers });

        await manager.WarmUpAsync(TestContext.CancellationToken);

        var cache = (ImageCache)manager.Cache;
        Assert.AreEqual(0, modified, "request modifier calls");
        Assert.AreEqual(0, cache.Memory.Count, "memory entries");
        Assert.AreEqual(0, (await cache.Disk!.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount, "disk entries");
        Assert.IsEmpty(measurements, string.Join(", ", measurements));
        Assert.IsEmpty(activities, string.Join(", ", activities));
        Assert.IsEmpty(collector.GetSnapshot(), string.Join("\n", collector.GetSnapshot().Select(r => r.Message)));

        // The same listeners do see a real load, so the empty lists above are not deaf ones.
        using (var result = await manager.LoadImageAsync(server.Image("TestImage.gif"), cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, result.Source);
        }

        Assert.AreEqual(1, modified);
        Assert.IsNotEmpty(measurements);
        Assert.IsNotEmpty(activities);
        Assert.IsNotEmpty(collector.GetSnapshot());
    }

    [TestMethod]
    public async Task WarmUpAsync_WithDecodersForNoneOfItsFormats_EndsQuietlyAndLogsEachSkippedLoad()
    {
        var collector = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        await using var manager = new ImageManager(options: new ImageManagerOptions { Decoders = new ImageDecoderRegistry([]), LoggerFactory = loggers });

        await manager.WarmUpAsync(TestContext.CancellationToken);

        var skipped = collector.GetSnapshot().Where(r => r.Id.Id == 1010).Select(r => r.Message).ToList();
        Assert.HasCount(WarmUpImages.All.Count, skipped, string.Join("\n", skipped));
        Assert.IsTrue(skipped.All(m => m.StartsWith("Warming up with ", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task WarmUpAsync_CalledAgainWhileRunningAndAfter_RunsOnce()
    {
        using var warmUps = new WarmUpCounter();
        await using var manager = new ImageManager();

        var first = manager.WarmUpAsync(TestContext.CancellationToken);
        var second = manager.WarmUpAsync(TestContext.CancellationToken);
        await Task.WhenAll(first, second);
        await manager.WarmUpAsync(TestContext.CancellationToken);

        Assert.AreEqual(1, warmUps.Started);
    }

    [TestMethod]
    [DataRow(true, 1)]
    [DataRow(false, 0)]
    public async Task AddImageKit_WarmUpSetting_DecidesWhetherResolvingTheManagerStartsIt(bool warmUp, int expected)
    {
        using var folder = new TempFolder();
        using var warmUps = new WarmUpCounter();
        await using var services = new ServiceCollection()
            .AddImageKit(o =>
            {
                o.DiskCache.Folder = folder.Path;
                o.WarmUp = warmUp;
            })
            .BuildServiceProvider();

        _ = services.GetRequiredService<ImageManager>();

        // A warm-up creates its meter first thing (milliseconds after it starts); without one, nothing appears in a second.
        var clock = Stopwatch.StartNew();
        while (warmUps.Started < 1 && clock.Elapsed < TimeSpan.FromSeconds(warmUp ? 10 : 1))
        {
            await Task.Delay(20, TestContext.CancellationToken);
        }

        Assert.AreEqual(expected, warmUps.Started);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Dispose_WhileWarmingUp_StopsItBeforeReturning(bool async)
    {
        var manager = new ImageManager();

        // Without a token to cancel the wait, the task returned is the warm-up's own (with one, it is a wait for it, which
        // completes a moment after it).
        var warmUp = manager.WarmUpAsync(CancellationToken.None);

        if (async)
        {
            await manager.DisposeAsync();
        }
        else
        {
            manager.Dispose();
        }

        Assert.IsTrue(warmUp.IsCompleted, "ended before Dispose returned");
        Assert.IsFalse(warmUp.IsFaulted, warmUp.Exception?.ToString());
        Assert.ThrowsExactly<ObjectDisposedException>(() => manager.WarmUpAsync(TestContext.CancellationToken));
    }

    /// <summary>An object nobody references is still collected: the warm-up holds its manager only while it runs.</summary>
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void AManagerNobodyKeepsOrDisposes_OnceItsWarmUpHasEnded_IsCollected(bool waitForWarmUp)
    {
        var manager = WarmUpAManagerNobodyKeeps(waitForWarmUp);

        Assert.IsTrue(Leaks.CollectUntil(() => !manager.TryGetTarget(out _)), "the warm-up keeps its manager alive");
    }

    [TestMethod]
    public async Task WarmUpAsync_DisposesItsMeterAndActivitySourceWhenItEnds()
    {
        await using var manager = new ImageManager();

        await manager.WarmUpAsync(TestContext.CancellationToken);

        // A listener started now is told of every instrument of every meter not yet disposed.
        Assert.IsFalse(HasUnobservedMeter(), "the warm-up's meter is still alive");
    }

    /// <summary>
    /// The point of the warm-up, by what the runtime reports and not by a clock: a fresh process's first load compiles
    /// far fewer methods after it (JIT counts in one process, so each run is a new worker).
    /// </summary>
    [TestMethod]
    public async Task FirstLoad_AfterAWarmUp_CompilesFarFewerMethods()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image("TestImage.gif").AbsoluteUri;

        var cold = await CompiledDuringFirstLoadAsync(url, "cold");
        var warm = await CompiledDuringFirstLoadAsync(url, "warm");

        TestContext.WriteLine($"methods compiled during the first load: {cold} without a warm-up, {warm} after one");
        Assert.IsLessThan(cold / 3, warm, $"{warm} after a warm-up against {cold} without");
    }

    private async Task<int> CompiledDuringFirstLoadAsync(string url, string mode)
    {
        using var worker = new WorkerProcess("first-load-jit", url, mode);
        Assert.AreEqual(0, await worker.WaitForExitAsync(TestContext.CancellationToken), worker.Errors);
        var line = worker.Lines.Single(l => l.StartsWith("compiled ", StringComparison.Ordinal));
        StringAssert.EndsWith(line, "source=Network");
        return int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
    }

    // Synchronous and not inlined: no state machine of the test holds the manager.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference<ImageManager> WarmUpAManagerNobodyKeeps(bool waitForWarmUp)
    {
        var manager = new ImageManager();
        var warmUp = manager.WarmUpAsync();
        if (waitForWarmUp)
        {
            warmUp.GetAwaiter().GetResult();
        }

        return new WeakReference<ImageManager>(manager);
    }

    private static MeterListener ListenToImageKitMeters(ConcurrentQueue<string> measurements)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name.StartsWith("ImageKit", StringComparison.OrdinalIgnoreCase) && s_loadInstruments.Contains(instrument.Name))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, _, _) => measurements.Enqueue(instrument.Name));
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => measurements.Enqueue(instrument.Name));
        listener.Start();
        return listener;
    }

    private static bool HasUnobservedMeter()
    {
        var found = false;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) => found |= instrument.Meter.Name == "Unobserved.ImageKitWarmUp",
        };
        listener.Start();
        return found;
    }

    /// <summary>Counts the warm-ups started in this process while it lives: each creates its own unobserved meter.</summary>
    private sealed class WarmUpCounter : IDisposable
    {
        private readonly MeterListener _listener;
        private int _started;

        public WarmUpCounter()
        {
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, _) =>
                {
                    if (instrument.Meter.Name == "Unobserved.ImageKitWarmUp" && instrument.Name == ImageKitDiagnostics.Loads)
                    {
                        Interlocked.Increment(ref _started);
                    }
                },
            };
            _listener.Start();
        }

        public int Started => Volatile.Read(ref _started);

        public void Dispose() => _listener.Dispose();
    }
}
