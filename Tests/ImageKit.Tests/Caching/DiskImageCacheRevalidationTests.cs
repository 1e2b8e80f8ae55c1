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
}
