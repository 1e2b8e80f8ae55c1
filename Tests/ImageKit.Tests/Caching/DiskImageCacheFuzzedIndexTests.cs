using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Index files the <c>disk-index</c> fuzz targets (Tests/ImageKit.Fuzz, docs/fuzzing.md) found to break the cache: each
/// began as the index of a cache holding three entries, and a few bytes of it were changed. SQLite reads them without
/// complaint, or with an error that is not its code for damage, but ImageKit threw on them (a column name changed inside
/// the schema's text, a trigger body that no longer parses, a stored time out of .NET's range, a header that makes the
/// file read-only, a NULL in the totals row, an index page whose cells are not where its pointers say, which SQLite
/// reports as "out of memory") or, worse, returned another entry's bytes (a key index entry pointing at another entry's
/// row). Every one must be used or recreated without an exception, never return other bytes than those stored, and take
/// new entries.
/// </summary>
[TestClass]
public sealed class DiskImageCacheFuzzedIndexTests
{
    // What the fuzz target's seed cache stored (DiskIndexTarget: the same keys and the same seeded bytes).
    private static readonly (string Key, byte[] Data)[] s_seedEntries =
    [
        ("a", Seeded(40, 1)),
        ("b", Seeded(300, 2)),
        ("https://example.com/c.gif", Seeded(2_000, 3)),
    ];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("index-schema-column.sqlite")] // entries.checksum renamed in the CREATE TABLE text
    [DataRow("index-trigger-body.sqlite")] // a trigger's body names a column that does not exist
    [DataRow("index-time-out-of-range.sqlite")] // a row's time outside DateTime's range
    [DataRow("index-time-out-of-range-2.sqlite")]
    [DataRow("index-read-only-header.sqlite")] // the header's write version makes SQLite open it read-only
    [DataRow("index-rollback-read-only-header.sqlite")] // the same with read version 1 (rollback journal): switching it to WAL fails first
    [DataRow("index-unsupported-format.sqlite")] // 48 bytes: the header alone, with a schema format number SQLite does not know
    [DataRow("index-text-encoding.sqlite")] // the header's text encoding is not 1, 2 or 3: SQLite fails the second schema read
    // The last_access index's cells sit 5 bytes past where its page's cell pointers say: reading a record from the middle
    // of a cell, SQLite reports SQLITE_NOMEM ("out of memory"), the same code as a real allocation failure.
    [DataRow("index-cell-inside-cell.sqlite")]
    [DataRow("index-totals-null.sqlite")] // the totals row holds NULL: every trigger update fails its NOT NULL
    // The key index's entry for one key points at another entry's row: SQLite trusts the index and hands out that row,
    // whose bytes pass their own checksum. (quick_check finds the page damaged, so a background rebuild sometimes wins
    // the race to the first read; most runs read first.)
    [DataRow("index-key-points-at-another-row.sqlite")]
    public async Task Open_IndexDamagedWhereSqliteDoesNotLook_IsUsedOrRecreatedWithoutThrowing(string fixture)
    {
        using var folder = new TempFolder();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", fixture), folder.Combine("index.sqlite"));
        var token = TestContext.CancellationToken;
        using var cache = Open(folder.Path, configure: o => o.MaxAge = TimeSpan.Zero);

        foreach (var (key, data) in s_seedEntries)
        {
            if (await cache.GetAsync(key, token) is { } entry)
            {
                CollectionAssert.AreEqual(data, entry.Data, $"'{key}' read back other bytes than were stored ({entry.Data.Length} bytes)");
            }

            _ = await cache.GetMetadataAsync(key, token);
            _ = await cache.ContainsAsync(key, token);
        }

        _ = await cache.GetStatisticsAsync(token);
        _ = await cache.SweepAsync(token);
        var fresh = Seeded(500, 9);
        await cache.SetAsync("fresh", fresh, null, token);
        var stored = await cache.GetAsync("fresh", token);
        Assert.IsNotNull(stored, "an entry stored after opening must be read back");
        CollectionAssert.AreEqual(fresh, stored.Data);
        _ = await cache.TrimAsync(maxSizeBytes: 1_000, cancellationToken: token);
    }

    private static byte[] Seeded(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
