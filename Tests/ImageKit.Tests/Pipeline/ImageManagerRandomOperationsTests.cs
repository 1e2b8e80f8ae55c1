using System.Collections.Concurrent;
using ImageKit.Caching;
using ImageKit.Decoding.Internal;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// Four workers run random operations on one manager at once — loads with random options, cancelled at random times or
/// before they start, removals, clears, prefetches, waits for the disk stores — against good and bad answers
/// (<see cref="PipelineWorld"/>), and in some runs the manager is disposed while they run. What must hold: every operation
/// ends, with a result or a documented exception (an <see cref="ImageKitException"/>; cancellation only when its token
/// was cancelled or the manager disposed; <see cref="ObjectDisposedException"/> only once disposing began); a healthy image
/// loads when nothing cancels it; afterwards no request is left running at the server and no file of the cache folder is
/// open; and the disk cache holds only whole images, each under its own URL (never a body that was cut short, a
/// failure, or a <c>file://</c> image), and none that a removal or a clear took away after every load of it had ended.
/// </summary>
[TestClass]
public sealed class ImageManagerRandomOperationsTests
{
    private const int Workers = 4;
    private const int OperationsPerWorker = 30;

    // The one transform the loads may ask for: a small still, which is stored on disk beside its original.
    private static readonly ImageTransformer[] s_thumbnail = [new ResizeTransformer(new System.Drawing.Size(24, 24))];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(1, false)]
    [DataRow(2, true)]
    [DataRow(3, true)]
    [DataRow(4, false)]
    public async Task RandomConcurrentOperations_EndAsDocumentedLeaveNothingRunningAndCacheOnlyWholeImages(int seed, bool disposeWhileRunning)
    {
        // A longer campaign runs the rows again with other seeds: IMAGEKIT_RANDOM_OPS_SEED_OFFSET=100, 200, …
        seed += int.TryParse(Environment.GetEnvironmentVariable("IMAGEKIT_RANDOM_OPS_SEED_OFFSET"), System.Globalization.CultureInfo.InvariantCulture, out var offset) ? offset : 0;
        await using var world = await PipelineWorld.StartAsync(TestContext.CancellationToken);
        using var folder = new TempFolder();
        var manager = new ImageManager(
            new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path }, OpenDiskInBackground = seed % 2 == 0 },
            PipelineWorld.DownloaderOptions());
        var run = new RandomOperations(manager, world);
        var random = new Random(seed);

        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(() => run.WorkAsync(new Random((seed * 1000) + w), OperationsPerWorker), TestContext.CancellationToken)).ToArray();
        if (disposeWhileRunning)
        {
            await Task.Delay(random.Next(300, 3000), TestContext.CancellationToken);
            run.BeginDisposing();
            await manager.DisposeAsync();
        }

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2), TestContext.CancellationToken);
        run.BeginDisposing();
        await manager.DisposeAsync();

        Assert.IsEmpty(run.Problems, string.Join("\n", run.Problems.Take(8)));
        var held = run.PixelBuffersSeen.Count(b => !b.IsReleased);
        Assert.AreEqual(0, held, $"every decoded frame's pixels were let go once the results and the manager were disposed: {held} of {run.PixelBuffersSeen.Count} still held");
        Assert.AreEqual(0, Leaks.OpenFilesUnder(folder.Path) ?? 0, "no file of the cache folder is open once the manager is disposed");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (world.RequestsInFlight > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.CancellationToken);
        }

        Assert.AreEqual(0, world.RequestsInFlight, $"no request is left running at the server: {world.DescribeRequestsInFlight()}");
        await using var disk = new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path });
        foreach (var url in world.Urls)
        {
            if (await disk.GetAsync(url.AbsoluteUri, TestContext.CancellationToken) is { } entry)
            {
                var expected = world.CacheableBytes(url);
                Assert.IsNotNull(expected, $"{url} must not be in the disk cache");
                Assert.IsNull(run.Resurrected(url), $"{url}: {run.Resurrected(url)}");
                CollectionAssert.AreEqual(expected, entry.Data.ToArray(), $"{url}: the disk cache holds other bytes than the server's");
            }
        }

        // Every thumbnail stored beside an original reads back as one (or as a miss), never as a failure or a wrong size.
        await using var later = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } });
        foreach (var url in world.Urls.Where(u => world.CacheableBytes(u) is not null))
        {
            try
            {
                using var thumbnail = await later.LoadImageAsync(url, new ImageLoadOptions { FromCacheOnly = true, Transformers = s_thumbnail }, cancellationToken: TestContext.CancellationToken);
                Assert.IsLessThanOrEqualTo(24, Math.Max(thumbnail.Image.PixelWidth, thumbnail.Image.PixelHeight), $"{url}: a thumbnail of {thumbnail.Image.PixelWidth} x {thumbnail.Image.PixelHeight}");
            }
            catch (ImageLoadException)
            {
                // Not stored as a thumbnail and its original not on disk either: a miss.
            }
        }

        TestContext.WriteLine($"seed {seed}: {run.Summary}; stalled requests whose end only their connection's close told: {world.EndedByConnectionClosed}; requests for the rest of a cut-off body: {world.RangeRequests}");
    }

    /// <summary>The operations, and what each may end with.</summary>
    private sealed class RandomOperations(ImageManager manager, PipelineWorld world)
    {
        private readonly ConcurrentDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<long, PixelBuffer> _buffers = new();

        // When the last load of each URL ended (any outcome), and when the last removal of it, or clear of the disk,
        // that completed began (Stopwatch timestamps): an entry whose every load ended before such a removal or clear
        // began was brought back by a store of bytes loaded before it.
        private readonly ConcurrentDictionary<Uri, long> _lastLoadEnded = new();
        private readonly ConcurrentDictionary<Uri, long> _lastRemovalBegan = new();
        private long _lastDiskClearBegan;
        private int _disposing;

        public ConcurrentQueue<string> Problems { get; } = new();

        /// <summary>The pixel buffers of the frames the loads decoded: none may stay referenced once everything is disposed.</summary>
        public ICollection<PixelBuffer> PixelBuffersSeen => _buffers.Values;

        public string Summary => string.Join(", ", _outcomes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));

        private bool Disposing => Volatile.Read(ref _disposing) != 0;

        public void BeginDisposing() => Volatile.Write(ref _disposing, 1);

        /// <summary>Why <paramref name="url"/> should not be on disk any more, or <see langword="null"/>.</summary>
        public string? Resurrected(Uri url)
        {
            var removed = Math.Max(_lastRemovalBegan.GetValueOrDefault(url), Interlocked.Read(ref _lastDiskClearBegan));
            var loaded = _lastLoadEnded.GetValueOrDefault(url);
            return removed > loaded
                ? $"on disk though every load of it ended {System.Diagnostics.Stopwatch.GetElapsedTime(loaded, removed).TotalMilliseconds:F1} ms before a removal or clear began that completed"
                : null;
        }

        private static void Latest(ConcurrentDictionary<Uri, long> times, Uri url, long time) =>
            times.AddOrUpdate(url, time, (_, before) => Math.Max(before, time));

        public async Task WorkAsync(Random random, int operations)
        {
            for (var i = 0; i < operations; i++)
            {
                var url = world.Urls[random.Next(world.Urls.Count)];
                using var cancellation = new CancellationTokenSource();
                switch (random.Next(3))
                {
                    case 0:
                        cancellation.CancelAfter(random.Next(0, 40));
                        break;
                    case 1 when random.Next(4) == 0:
                        cancellation.Cancel();
                        break;
                }

                var kind = random.Next(20);
                var what = $"{Describe(kind)} {url}";
                var began = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    switch (kind)
                    {
                        case < 14:
                            try
                            {
                                await LoadAsync(url, Options(random), random.Next(3) != 0, cancellation.Token);
                            }
                            finally
                            {
                                Latest(_lastLoadEnded, url, System.Diagnostics.Stopwatch.GetTimestamp());
                            }

                            break;
                        case 14 or 15:
                            await manager.Cache.RemoveAsync(url.AbsoluteUri, cancellationToken: cancellation.Token);
                            Latest(_lastRemovalBegan, url, began);
                            break;
                        case 16:
                            var tiers = random.Next(4) == 0 ? ImageCacheType.All : ImageCacheType.Memory;
                            await manager.Cache.ClearAsync(tiers, cancellation.Token);
                            if (tiers.HasFlag(ImageCacheType.Disk))
                            {
                                InterlockedMax(ref _lastDiskClearBegan, began);
                            }

                            break;
                        case 17 or 18:
                            var urls = Enumerable.Range(0, 3).Select(_ => world.Urls[random.Next(world.Urls.Count)]).ToArray();
                            try
                            {
                                await new ImagePrefetcher(manager).PrefetchAsync(urls, cancellationToken: cancellation.Token);
                            }
                            finally
                            {
                                var ended = System.Diagnostics.Stopwatch.GetTimestamp();
                                foreach (var prefetched in urls)
                                {
                                    Latest(_lastLoadEnded, prefetched, ended);
                                }
                            }

                            break;
                        default:
                            cancellation.CancelAfter(3_000);
                            await manager.WaitForDiskStoresAsync(cancellation.Token);
                            break;
                    }

                    Count("ok");
                }
                catch (Exception e)
                {
                    Judge(what, e, cancellation.IsCancellationRequested);
                }
            }
        }

        private static void InterlockedMax(ref long location, long value)
        {
            for (var seen = Interlocked.Read(ref location); seen < value; seen = Interlocked.Read(ref location))
            {
                if (Interlocked.CompareExchange(ref location, value, seen) == seen)
                {
                    return;
                }
            }
        }

        private async Task LoadAsync(Uri url, ImageLoadOptions options, bool decodeFrame, CancellationToken cancellationToken)
        {
            var expected = world.CacheableBytes(url);
            try
            {
                using var result = await manager.LoadImageAsync(url, options, cancellationToken: cancellationToken);
                if (result.Image.FrameCount < 1)
                {
                    Problems.Enqueue($"{url}: a result with no frame");
                }

                if (decodeFrame)
                {
                    using var frame = result.Image.GetFrame(0);
                    _buffers.TryAdd(frame.Buffer.Id, frame.Buffer);
                }

                if (expected is not null && result.EncodedData is { } data && !data.Span.SequenceEqual(expected))
                {
                    Problems.Enqueue($"{url}: EncodedData ({data.Length} bytes, from {result.Source}) is not the server's image ({expected.Length} bytes)");
                }
            }
            catch (ImageKitException e) when (expected is not null && !world.IsFlaky(url) && !options.FromCacheOnly && !cancellationToken.IsCancellationRequested && !Disposing)
            {
                Problems.Enqueue($"{url} ({Show(options)}): a healthy image failed to load with nothing cancelling it: {e.GetType().Name}: {e.Message}");
            }
        }

        private void Judge(string what, Exception e, bool cancelled)
        {
            switch (e)
            {
                case OperationCanceledException when cancelled || Disposing:
                    Count("cancelled");
                    break;
                case ObjectDisposedException when Disposing:
                    Count("disposed");
                    break;
                case ImageKitException:
                    Count(e.GetType().Name);
                    break;
                default:
                    Problems.Enqueue($"{what}: {e.GetType().Name}: {e.Message} (cancelled: {cancelled}, disposing: {Disposing})\n{e.StackTrace}");
                    break;
            }
        }

        private void Count(string outcome) => _outcomes.AddOrUpdate(outcome, 1, static (_, n) => n + 1);

        private static ImageLoadOptions Options(Random random) => new()
        {
            RetryFailed = random.Next(3) == 0,
            Priority = (DownloadPriority)random.Next(3),
            RefreshCached = random.Next(6) == 0,
            FromCacheOnly = random.Next(8) == 0,
            FirstFrameOnly = random.Next(5) == 0,
            ScaleDownMaxPixels = random.Next(5) == 0 ? 64 * 64 : 0,
            ReturnEncodedData = random.Next(3) == 0,
            WaitForDiskStore = random.Next(4) == 0,
            CacheType = random.Next(6) == 0 ? ImageCacheType.Memory : ImageCacheType.All,
            Transformers = random.Next(5) == 0 ? s_thumbnail : [],
        };

        private static string Show(ImageLoadOptions o) =>
            $"retry {o.RetryFailed}, refresh {o.RefreshCached}, first frame {o.FirstFrameOnly}, scale {o.ScaleDownMaxPixels}, wait {o.WaitForDiskStore}, cache {o.CacheType}, transformers {o.Transformers.Count}";

        private static string Describe(int kind) => kind switch
        {
            < 14 => "load",
            14 or 15 => "remove",
            16 => "clear",
            17 or 18 => "prefetch",
            _ => "wait for stores",
        };
    }
}
