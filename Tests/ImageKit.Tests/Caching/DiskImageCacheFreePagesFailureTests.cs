using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Data.Sqlite;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A clear or trim gives the index pages it freed back to the file system after its removals have committed. When that
/// failed (a busy or failing index), the clear or trim threw <see cref="DiskCacheException"/> for removals that had
/// happened; the clear also left the old blob folder behind (a trash folder holding every file of the cache), which only
/// a sweep, run at most once a day, deleted an hour later at the earliest.
/// </summary>
[TestClass]
public sealed class DiskImageCacheFreePagesFailureTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ClearAsync_WhoseFreePagesCannotBeGivenBack_ClearsAndDeletesTheOldFiles()
    {
        using var folder = new TempFolder();
        var commits = new FailAfter();
        using var cache = commits.Open(folder.Path);
        await cache.SetAsync("file", Bytes(5000, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("inline", Bytes(500, 2), null, TestContext.CancellationToken);

        commits.FailAfterNext(1); // the clear's own commit goes through
        await cache.ClearAsync(TestContext.CancellationToken);
        commits.Stop();

        Assert.IsTrue(commits.Failed, "giving the free pages back failed");
        Assert.AreEqual(0, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
        Assert.IsNull(await cache.GetAsync("file", TestContext.CancellationToken));
        Assert.IsEmpty(Directory.GetDirectories(folder.Path, "trash-*"), "the old blob folder is deleted");
    }

    [TestMethod]
    public async Task TrimAsync_WhoseFreePagesCannotBeGivenBack_ReturnsWhatItRemoved()
    {
        using var folder = new TempFolder();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var commits = new FailAfter();
        using var cache = commits.Open(folder.Path, time);
        await cache.SetAsync("old", Bytes(500, 1), null, TestContext.CancellationToken);
        time.Advance(TimeSpan.FromDays(2));
        await cache.SetAsync("new", Bytes(500, 2), null, TestContext.CancellationToken);

        commits.FailAfterNext(1); // the removal's commit goes through
        var result = await cache.TrimAsync(maxAge: TimeSpan.FromDays(1), cancellationToken: TestContext.CancellationToken);
        commits.Stop();

        Assert.IsTrue(commits.Failed, "giving the free pages back failed");
        Assert.AreEqual(1, result.ExpiredRemoved);
        Assert.IsNull(await cache.GetAsync("old", TestContext.CancellationToken));
        Assert.IsNotNull(await cache.GetAsync("new", TestContext.CancellationToken));
    }

    /// <summary>Lets a number of commits through, then fails every later one with SQLITE_IOERR until stopped.</summary>
    private sealed class FailAfter
    {
        private int _allowed = -1; // -1: off
        private int _failed;

        public bool Failed => Volatile.Read(ref _failed) != 0;

        public DiskImageCache Open(string folder, TimeProvider? time = null)
        {
            var cache = DiskCacheTestHelpers.Open(folder, time, o =>
            {
                o.MaxInlineBytes = 1000;
                o.BeforeIndexCommit = Check;
            });
            cache.OpeningSweep.GetAwaiter().GetResult();
            return cache;
        }

        public void FailAfterNext(int commits) => Volatile.Write(ref _allowed, commits);

        public void Stop() => Volatile.Write(ref _allowed, -1);

        private void Check(SqliteConnection connection)
        {
            var allowed = Volatile.Read(ref _allowed);
            if (allowed > 0)
            {
                Interlocked.Decrement(ref _allowed);
            }
            else if (allowed == 0)
            {
                Volatile.Write(ref _failed, 1);
                throw new SqliteException("injected: disk I/O error", 10);
            }
        }
    }
}
