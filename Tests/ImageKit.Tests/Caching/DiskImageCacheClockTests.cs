using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A clock that ran ahead and was set right (a machine that started with a wrong date): entries written meanwhile had
/// stored and access times years ahead, and as a later access never moves a time back, they neither expired nor were
/// evicted as least recently used until that future came (seen with <c>faketime</c>: an entry written "in 2040" was
/// still served with <c>--max-age 1</c> in 2026). A sweep or trim now brings such times back to now, so they age from
/// the moment the clock is right.
/// </summary>
[TestClass]
public sealed class DiskImageCacheClockTests
{
    private static readonly DateTimeOffset s_today = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task EntryWrittenWhileTheClockWasYearsAhead_ExpiresMaxAgeAfterTheClockIsSetRight()
    {
        using var folder = new TempFolder();
        await StoreWithTheClockAheadAsync(folder.Path, s_today.AddYears(14));

        var clock = new FakeTimeProvider(s_today);
        using var cache = Open(folder.Path, clock, o => o.MaxAge = TimeSpan.FromDays(1));
        await cache.OpeningSweep; // the last sweep is from the future: one runs at open

        Assert.IsNotNull(await cache.GetAsync("ahead", TestContext.CancellationToken), "kept: it counts from now");
        clock.Advance(TimeSpan.FromDays(2));
        Assert.IsNull(await cache.GetAsync("ahead", TestContext.CancellationToken), "expired a day after the clock was set right");
    }

    [TestMethod]
    public async Task TrimAsync_EntryAnotherInstanceWroteWithItsClockYearsAhead_RemovesItOnceExpiredAndLogsTheReset()
    {
        using var folder = new TempFolder();
        var clock = new FakeTimeProvider(s_today);
        using var cache = Open(folder.Path, clock);
        await cache.OpeningSweep;
        var logs = new FakeLogCollector();
        cache.Logger = new FakeLogger(logs);
        await cache.SetAsync("today", Bytes(300, 2), null, TestContext.CancellationToken);
        await StoreWithTheClockAheadAsync(folder.Path, s_today.AddYears(14));

        clock.Advance(TimeSpan.FromDays(2));
        var first = await cache.TrimAsync(maxAge: TimeSpan.FromDays(1), cancellationToken: TestContext.CancellationToken);
        clock.Advance(TimeSpan.FromDays(2));
        var second = await cache.TrimAsync(maxAge: TimeSpan.FromDays(1), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(1, first.ExpiredRemoved, "the entry of today");
        Assert.AreEqual(1, second.ExpiredRemoved, "the entry from the future, a day after the first trim brought it back to now");
        Assert.AreEqual(0, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
        var reset = logs.GetSnapshot().Single(r => r.Id.Id == 3006);
        Assert.AreEqual($"Disk cache {folder.Path}: 1 entries had times later than now, written while the clock was ahead; they now count from now", reset.Message);
    }

    // Bringing the times back is a write, which a full disk refuses: the trim must still do its own work, which on a full
    // disk is what makes room.
    [TestMethod]
    public async Task TrimAsync_WhenBringingTimesBackFindsTheDiskFull_StillRemovesTheExpiredEntries()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        var clock = new FakeTimeProvider(s_today);
        using var cache = Open(folder.Path, clock, o => o.BeforeIndexCommit = commits.Check);
        await cache.OpeningSweep;
        await cache.SetAsync("today", Bytes(300, 2), null, TestContext.CancellationToken);
        await StoreWithTheClockAheadAsync(folder.Path, s_today.AddYears(14));

        clock.Advance(TimeSpan.FromDays(2));
        commits.FailNext(1);
        var result = await cache.TrimAsync(maxAge: TimeSpan.FromDays(1), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(1, result.ExpiredRemoved);
        Assert.IsNull(await cache.GetAsync("today", TestContext.CancellationToken));
        Assert.IsFalse(commits.Fail, "the injected failure was met");
    }

    [TestMethod]
    public async Task TimesLessThanAnHourAhead_AreLeftAsTheyAre()
    {
        // Another process's clock a little ahead is no clock set wrong: its times stand.
        using var folder = new TempFolder();
        var clock = new FakeTimeProvider(s_today);
        using var cache = Open(folder.Path, clock);
        await cache.OpeningSweep;
        await StoreWithTheClockAheadAsync(folder.Path, s_today.AddMinutes(50));

        await cache.TrimAsync(cancellationToken: TestContext.CancellationToken);
        var entry = await cache.GetAsync("ahead", TestContext.CancellationToken);

        Assert.AreEqual(s_today.AddMinutes(50), entry!.StoredAt);
    }

    // Another cache on the folder, its clock at `now`, stores the entry "ahead".
    private async Task StoreWithTheClockAheadAsync(string folder, DateTimeOffset now)
    {
        using var ahead = Open(folder, new FakeTimeProvider(now));
        await ahead.OpeningSweep;
        await ahead.SetAsync("ahead", Bytes(300, 1), null, TestContext.CancellationToken);
    }
}
