using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>Metadata updates after an HTTP 304 (<see cref="DiskImageCache.UpdateMetadataAsync"/>).</summary>
[TestClass]
public sealed class DiskImageCacheRevalidationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(300, DisplayName = "inline")]
    [DataRow(100_000, DisplayName = "file")]
    public async Task UpdateMetadataOfBytes_EntryReplacedByAnotherCacheWithOtherBytes_LeavesItAndReturnsFalse(int length)
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time);
        using var other = Open(folder.Path, time);
        var revalidated = Bytes(length, 1);
        await cache.SetAsync("k", revalidated, new DiskCacheMetadata { ETag = "\"A\"" }, TestContext.CancellationToken);
        await other.SetAsync("k", Bytes(length, 2), new DiskCacheMetadata { ETag = "\"B\"" }, TestContext.CancellationToken);
        var storedB = (await other.GetAsync("k", TestContext.CancellationToken))!.StoredAt;
        time.Advance(TimeSpan.FromHours(1));

        Assert.IsFalse(await cache.UpdateMetadataOfBytesAsync("k", new DiskCacheMetadata { ETag = "\"A\"" }, revalidated, TestContext.CancellationToken));

        var entry = await cache.GetAsync("k", TestContext.CancellationToken);
        Assert.IsNotNull(entry);
        CollectionAssert.AreEqual(Bytes(length, 2), entry.Data);
        Assert.AreEqual("\"B\"", entry.Metadata.ETag);
        Assert.AreEqual(storedB, entry.StoredAt, "the other version's stored time is not refreshed either");
    }

    [TestMethod]
    [DataRow(300, DisplayName = "inline")]
    [DataRow(100_000, DisplayName = "file")]
    public async Task UpdateMetadataOfBytes_EntryStillHoldsThoseBytes_ReplacesMetadataAndStoredTime(int length)
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time);
        var revalidated = Bytes(length, 1);
        await cache.SetAsync("k", revalidated, new DiskCacheMetadata { ETag = "\"A\"" }, TestContext.CancellationToken);
        time.Advance(TimeSpan.FromHours(1));

        Assert.IsTrue(await cache.UpdateMetadataOfBytesAsync("k", new DiskCacheMetadata { ETag = "\"A2\"" }, revalidated.ToArray(), TestContext.CancellationToken));
        Assert.IsFalse(await cache.UpdateMetadataOfBytesAsync("absent", new DiskCacheMetadata(), revalidated, TestContext.CancellationToken));

        var entry = await cache.GetAsync("k", TestContext.CancellationToken);
        Assert.AreEqual("\"A2\"", entry?.Metadata.ETag);
        Assert.AreEqual(time.GetUtcNow(), entry!.StoredAt);
    }

    /// <summary>
    /// An entry that expired but was not removed yet (nothing met it since) is fresh again after an update: a 304 makes a
    /// stale stored response fresh (RFC 9111 §4.3.4), and a load that revalidates may well find its entry expired by the
    /// time the answer comes. Documented on <see cref="DiskImageCache.UpdateMetadataAsync"/>.
    /// </summary>
    [TestMethod]
    [DataRow(DiskCacheExpiryBasis.Stored)]
    [DataRow(DiskCacheExpiryBasis.LastAccess)]
    public async Task UpdateMetadataAsync_EntryExpiredButNotYetRemoved_MakesItFreshAgain(DiskCacheExpiryBasis basis)
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time, o =>
        {
            o.ExpiryBasis = basis;
            o.MaxAge = TimeSpan.FromDays(7);
        });
        await cache.SetAsync("k", Bytes(300, 1), new DiskCacheMetadata { ETag = "\"A\"" }, TestContext.CancellationToken);
        time.Advance(TimeSpan.FromDays(8));

        Assert.IsTrue(await cache.UpdateMetadataAsync("k", new DiskCacheMetadata { ETag = "\"A2\"" }, TestContext.CancellationToken));

        var entry = await cache.GetAsync("k", TestContext.CancellationToken);
        Assert.IsNotNull(entry, "refreshed, so no longer expired");
        Assert.AreEqual("\"A2\"", entry.Metadata.ETag);
        Assert.AreEqual(time.GetUtcNow(), entry.StoredAt);
    }

    [TestMethod]
    public async Task UpdateMetadataAsync_ExpiredEntryAlreadyRemoved_ReturnsFalseAndBringsNothingBack()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time, o => o.MaxAge = TimeSpan.FromDays(7));
        await cache.SetAsync("k", Bytes(300, 1), new DiskCacheMetadata { ETag = "\"A\"" }, TestContext.CancellationToken);
        time.Advance(TimeSpan.FromDays(8));
        Assert.IsNull(await cache.GetAsync("k", TestContext.CancellationToken), "expired: a miss, and removed");

        Assert.IsFalse(await cache.UpdateMetadataAsync("k", new DiskCacheMetadata { ETag = "\"A2\"" }, TestContext.CancellationToken));

        Assert.IsNull(await cache.GetAsync("k", TestContext.CancellationToken));
    }
}
