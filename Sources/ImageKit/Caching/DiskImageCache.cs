using ImageKit.Caching.Internal;
using ImageKit.Internal;
using Microsoft.Data.Sqlite;

namespace ImageKit.Caching;

/// <summary>
/// A disk cache of encoded image bytes with a SQLite index (WAL) that holds sizes, times, checksums and metadata. Entries
/// of at most <see cref="DiskImageCacheOptions.MaxInlineBytes"/> (64 KiB by default) keep their bytes inside the index,
/// in a table of their own; larger ones get one file each, named by the SHA-256 of the key. Opening never scans the
/// folder or the table; a hit reads one row (and, for a large entry, one file) and verifies length and checksum, so torn,
/// damaged or swapped bytes read as misses, never as wrong bytes. Small entries are written in one immediate transaction;
/// large ones go to a temporary file, are flushed, and are renamed into place inside the index's write transaction, so
/// several instances — in one process or several — can share a folder. Damage heals itself: bad bytes are a miss and
/// their row is removed, a damaged index is recreated empty, and files without rows are swept in the background.
/// </summary>
/// <remarks>
/// All members are thread-safe; <see cref="Dispose"/> waits for the operations in flight. Methods run their SQLite work
/// synchronously on the calling thread (index operations take microseconds; writes may wait up to 10 s for another
/// process's write lock) and their file I/O asynchronously.
/// Read last-access times are written in batches (at most a few seconds late). Until then they count for this instance
/// only: a trim (<see cref="TrimAsync"/>, or the one that enforces <see cref="DiskImageCacheOptions.MaxSizeBytes"/> after
/// a write) or an expiry by <see cref="DiskCacheExpiryBasis.LastAccess"/> in another instance or process on the folder
/// orders entries by the times in the index, so it may remove an entry that was read there in the last few seconds as
/// if it had not been. That costs a download again, never wrong bytes; this instance's own reads are written before its
/// trims. Making every hit write its time at once would cost a write transaction per hit, which the batching avoids.
/// </remarks>
public sealed partial class DiskImageCache : IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan s_sweepInterval = TimeSpan.FromDays(1);
    private static readonly TimeSpan s_tempFileGrace = TimeSpan.FromHours(1);
    private const string WriteCheckPrefix = ".imagekit-write-check-";

    private readonly DiskImageCacheOptions _options;
    private readonly BlobStore _blobs;
    private readonly IndexDatabase _index;
    private readonly AccessRecorder _access;
    private readonly GroupCommit<InlineWrite> _inlineWrites;
    private readonly SemaphoreSlim _trimGate = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private readonly Task _openSweep;
    private long _hits;
    private long _misses;

    /// <summary>
    /// Opens the cache in <see cref="DiskImageCacheOptions.Directory"/>, creating the folder and index if needed. Never
    /// scans the folder: a sweep for orphan files runs in the background when the index was just created or rebuilt, or
    /// when the last sweep is more than a day old.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="DiskCacheException">
    /// The folder cannot be created or written, holds other files and no index (a folder that is not a cache), or holds
    /// an index this version must not touch: another program's SQLite database, or the index of a newer ImageKit (left
    /// as it is, so that the newer one keeps its cache).
    /// </exception>
    public DiskImageCache(DiskImageCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        Directory = _options.Directory;
        _blobs = new BlobStore(Directory);
        try
        {
            // The index first: a folder that turns out to hold another program's database or files is left as it was found.
            EnsureNotSomeoneElsesFolder(Directory);
            FolderCreation.Create(Directory);
            _index = new IndexDatabase(Directory) { BeforeCommit = _options.BeforeIndexCommit };
        }
        catch (SqliteException e) when ((e.SqliteErrorCode & 0xFF) is 14 && IndexDatabase.PathBytesOverLimit(Directory) is { } bytes)
        {
            throw new DiskCacheException(
                Directory,
                $"cannot open the disk cache: the path of its index, {System.IO.Path.Combine(Directory, IndexDatabase.FileName)}, is {bytes} bytes long, and SQLite opens paths of at most {IndexDatabase.MaxPathBytes} bytes: choose a folder with a shorter path",
                e);
        }
        catch (SqliteException e) when ((e.SqliteErrorCode & 0xFF) is 14 or 8 && WhyNoFilesIn(Directory) is { } reason)
        {
            // SQLITE_CANTOPEN (or SQLITE_READONLY: SQLite opens the index read-only when it may not create the -shm file,
            // as in a folder whose permissions refuse this user) in a folder that takes no new file: the index (in WAL
            // mode) needs its -wal and -shm beside it. The reason is the system's: a read-only folder or volume, but also
            // a process out of file descriptors.
            throw new DiskCacheException(
                Directory,
                $"cannot open the disk cache: {NoFilesReason(Directory, reason)}: {IndexDatabase.Describe(e)}",
                e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException)
        {
            throw new DiskCacheException(Directory, $"cannot open the disk cache: {IndexDatabase.Describe(e)}", e);
        }

        try
        {
            _blobs.EnsureDirectories();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _index.Dispose();
            throw new DiskCacheException(Directory, $"cannot open the disk cache: {e.Message}", e);
        }

        _access = new AccessRecorder(_index, _options.TimeProvider);
        _inlineWrites = new GroupCommit<InlineWrite>(CommitInline, IndexDatabase.IsBusyOrFull);
        try
        {
            _openSweep = NeedsSweep() ? Task.Run(SweepQuietly) : Task.CompletedTask;
        }
        catch
        {
            // Reading the index failed (busy, I/O): nothing else will ever dispose what the constructor opened.
            _access.Dispose();
            _index.Dispose();
            _disposing.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The conventional per-user cache folder: <c>~/Library/Caches/ImageKit</c> on macOS; <c>$XDG_CACHE_HOME/imagekit</c>
    /// or <c>~/.cache/imagekit</c> on Linux and other Unix systems; <c>%LOCALAPPDATA%\ImageKit\Cache</c> on Windows.
    /// Always a full path: a home folder that does not exist yet (a service account's) still names it, and a process
    /// with no home folder at all (no <c>HOME</c> and no account entry, as in a container run under an arbitrary user id)
    /// gets <c>imagekit-</c><i>user</i> in the temporary folder. Reading it creates nothing.
    /// </summary>
    public static string DefaultDirectory
    {
        get
        {
            // DoNotVerify: by default .NET answers "" for a folder that does not exist, which Path.Combine would turn
            // into a path relative to wherever the process runs.
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
            if (OperatingSystem.IsWindows())
            {
                var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
                return Path.IsPathRooted(local) ? Path.Combine(local, "ImageKit", "Cache") : WithoutHome();
            }

            if (!Path.IsPathRooted(home))
            {
                return WithoutHome();
            }

            if (OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst())
            {
                return Path.Combine(home, "Library", "Caches", "ImageKit");
            }

            // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            return !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
                ? Path.Combine(xdg, "imagekit")
                : Path.Combine(home, ".cache", "imagekit");

            // A folder of the user's own name in the shared temporary folder.
            static string WithoutHome() => Path.Combine(Path.GetTempPath(), "imagekit-" + Environment.UserName);
        }
    }

    /// <summary>The cache folder, as a full path.</summary>
    public string Directory { get; }

    /// <summary>The settings in force (a copy of those given); for tests.</summary>
    internal DiskImageCacheOptions Options => _options;

    /// <summary>Whether this instance found the index damaged and recreated it empty (at open or later).</summary>
    internal bool IndexWasRebuilt => _index.WasRebuilt;

    /// <summary>The index (tests).</summary>
    internal IndexDatabase Index => _index;

    /// <summary>How many background WAL checkpoints this instance has begun; for tests.</summary>
    internal long BackgroundCheckpointsStarted => _index.BackgroundCheckpointsStarted;

    internal long BackgroundCheckpointsFinished => _index.BackgroundCheckpointsFinished;

    /// <summary>How many times sustained writes grew the WAL to the size where it is cut back while writers wait (for tests).</summary>
    internal long WalTruncationsUnderWrites => _index.BackstopTruncations;

    /// <summary>The background sweep started at open, if any (completed otherwise); for tests.</summary>
    internal Task OpeningSweep => _openSweep;

    private long NowTicks => _options.TimeProvider.GetUtcNow().UtcTicks;

    private void SweepQuietly()
    {
        try
        {
            SweepCore(s_tempFileGrace, _disposing.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or UnauthorizedAccessException or SqliteException or ImageKitException or ObjectDisposedException)
        {
            // The sweep only repairs; whatever stopped it (closing, a concurrent clear, a busy index), a later one resumes.
        }
    }

    private bool NeedsSweep()
    {
        if (_index.WasRebuilt)
        {
            return true;
        }

        var last = _index.Read(c => c.GetSetting(Settings.LastSweep));
        var now = NowTicks;
        return last is not { } ticks || ticks > now || now - ticks > s_sweepInterval.Ticks;
    }

    private static class Settings
    {
        public const string LastSweep = "last_sweep";
    }
}
