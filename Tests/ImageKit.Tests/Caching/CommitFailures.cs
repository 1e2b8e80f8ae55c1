using ImageKit.Caching;
using Microsoft.Data.Sqlite;

namespace ImageKit.Tests.Caching;

/// <summary>
/// While <see cref="Fail"/> is set, or for the next <see cref="FailNext"/> commits, each commit fails as SQLite's
/// "database or disk is full" (SQLITE_FULL), or with <see cref="ErrorCode"/>.
/// </summary>
internal sealed class CommitFailures
{
    private int _remaining;

    public bool Fail
    {
        get => Volatile.Read(ref _remaining) > 0;
        set => Volatile.Write(ref _remaining, value ? int.MaxValue : 0);
    }

    /// <summary>The SQLite error the commits fail with: 13, SQLITE_FULL, unless set (10, SQLITE_IOERR, say).</summary>
    public int ErrorCode { get; init; } = 13;

    /// <summary>Run inside the transaction whose commit is made to fail, before it fails.</summary>
    public Action? DuringFailingCommit { get; init; }

    public void FailNext(int count) => Volatile.Write(ref _remaining, count);

    /// <summary>
    /// Opens a cache on <paramref name="folder"/> whose commits this fails, keeping entries up to
    /// <paramref name="maxInlineBytes"/> inside the index; returns once its opening sweep has ended.
    /// </summary>
    public DiskImageCache OpenCache(string folder, int maxInlineBytes)
    {
        var cache = DiskCacheTestHelpers.Open(folder, configure: o =>
        {
            o.MaxInlineBytes = maxInlineBytes;
            o.BeforeIndexCommit = Check;
        });
        cache.OpeningSweep.GetAwaiter().GetResult();
        return cache;
    }

    /// <summary>For <see cref="ImageKit.Caching.DiskImageCacheOptions.BeforeIndexCommit"/>.</summary>
    public void Check(SqliteConnection connection)
    {
        for (var remaining = Volatile.Read(ref _remaining); remaining > 0; remaining = Volatile.Read(ref _remaining))
        {
            if (Interlocked.CompareExchange(ref _remaining, remaining == int.MaxValue ? remaining : remaining - 1, remaining) == remaining)
            {
                DuringFailingCommit?.Invoke();
                throw new SqliteException(ErrorCode == 13 ? "injected: database or disk is full" : "injected: disk I/O error", ErrorCode);
            }
        }
    }
}
