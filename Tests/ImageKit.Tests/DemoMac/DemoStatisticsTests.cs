using Demo.Mac.Portable;
using ImageKit.Animation;
using ImageKit.Caching;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.DemoMac;

[TestClass]
public sealed class DemoStatisticsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void From_Parts_SumsPlayersAndAddsWeakHitsToMemoryHits()
    {
        var budget = new FrameBudget(8L * 1024 * 1024);
        PlayerStatistics[] players =
        [
            new(FramesShown: 10, FramesSkipped: 2, LoopsCompleted: 1, DecodeErrors: 0, 1, 2, BufferedBytes: 100, BufferPeakBytes: 200),
            new(FramesShown: 5, FramesSkipped: 3, LoopsCompleted: 0, DecodeErrors: 1, 1, 2, BufferedBytes: 0, BufferPeakBytes: 0),
        ];

        var stats = DemoStatistics.From(
            new MemoryCacheStatistics(Count: 3, TotalCost: 1000, Hits: 7, WeakHits: 2, Misses: 4, Evictions: 0),
            new DiskCacheStatistics(EntryCount: 6, TotalBytes: 5000, Hits: 3, Misses: 6),
            players,
            budget,
            managedBytes: 3 * 1024 * 1024,
            residentBytes: 50 * 1024 * 1024);

        Assert.AreEqual(new DemoStatistics(3 * 1024 * 1024, 50 * 1024 * 1024, 0, 8L * 1024 * 1024, 9, 3, 6, 2, 15, 5), stats);
        Assert.AreEqual(
            "memory      50.0 MiB resident, 3.0 MiB managed\n" +
            "frames      0.0 MiB of 8.0 MiB buffered\n" +
            "cache hits  memory 9, disk 3 (6 went to the network)\n" +
            "players     2: 15 frames shown, 5 skipped",
            stats.ToText().ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void From_NoCachesNoPlayers_Zeros()
    {
        var stats = DemoStatistics.From(null, null, [], new FrameBudget(1024), 1, 2);

        Assert.AreEqual(new DemoStatistics(1, 2, 0, 1024, 0, 0, 0, 0, 0, 0), stats);
    }

    [TestMethod]
    public async Task CaptureAsync_ManagerWithBothTiers_CountsHitsByTierAndPlayers()
    {
        using var folder = new TempFolder();
        await using var manager = new ImageManager(new ImageCacheOptions
        {
            Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
            Disk = new DiskImageCacheOptions { Directory = folder.Path },
        });
        var cache = (ImageCache)manager.Cache;
        await cache.StoreAsync("k", image: null, Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        using (await cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken))
        using (await cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken))
        {
            // The first query decodes from disk and fills memory; the second hits memory.
        }

        Assert.IsNull(await cache.QueryAsync("absent", cancellationToken: TestContext.CancellationToken));

        var budget = new FrameBudget(4L * 1024 * 1024);
        using var image = TestAnimation.Image(3);
        var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        await using var first = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget });
        await using var second = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget });

        var stats = await DemoStatistics.CaptureAsync(manager, [first, null, second], budget, TestContext.CancellationToken);

        Assert.AreEqual(1, stats.MemoryHits);
        Assert.AreEqual(1, stats.DiskHits);
        Assert.AreEqual(1, stats.DiskMisses);
        Assert.AreEqual(2, stats.Players, "the empty cell is not a player");
        Assert.AreEqual(0, stats.FramesSkipped, "nothing played");
        Assert.AreEqual(budget.CapacityBytes, stats.FrameBufferCapacity);
        Assert.IsGreaterThan(0, stats.ResidentBytes);
        Assert.IsGreaterThan(0, stats.ManagedBytes);
    }
}
