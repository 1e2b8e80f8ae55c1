using System.Runtime.InteropServices;
using ImageKit.Caching.Internal;

namespace ImageKit.Caching;

public sealed partial class DiskImageCache
{
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completed once the cache is closed: what a Dispose that finds the cache already disposing waits for.
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Operations in flight, plus one for the open cache that Dispose removes: whoever brings it to zero completes _idle.
    private int _operations = 1;
    private int _disposed;

    // Set on the flow of each operation, so that a Dispose from inside one (an application's logger or clock called by the
    // operation) is recognised: waiting there for the operations to end would wait for itself.
    private readonly AsyncLocal<bool> _inOperation = new();

    /// <summary>
    /// Refuses new operations, stops the background sweep, waits for the operations in flight on other threads to end,
    /// writes pending access times and closes the index. Once it returns, no file or index handle of the cache is open and
    /// nothing of this instance touches the folder. Operations racing with it complete normally or throw
    /// <see cref="ObjectDisposedException"/>; a sweep in flight is stopped between batches. Idempotent; safe from any thread.
    /// Called from within one of the cache's own operations (by a logger or clock it calls), it does not wait: the cache
    /// closes when the last operation ends.
    /// </summary>
    public void Dispose()
    {
        if (!BeginDispose())
        {
            if (!_inOperation.Value)
            {
                _closed.Task.GetAwaiter().GetResult(); // disposed already, perhaps still closing on another thread
            }

            return;
        }

        _idle.Task.GetAwaiter().GetResult();
        Close();
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            if (!_inOperation.Value)
            {
                await _closed.Task.ConfigureAwait(false);
            }

            return;
        }

        await _idle.Task.ConfigureAwait(false);
        Close();
    }

    /// <summary>
    /// Marks the cache disposed; false when it already was (the caller then waits for the close, unless it is inside an
    /// operation, which the close waits for), or when the closing is left to the last operation.
    /// </summary>
    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        _disposing.Cancel();
        ExitOperation();
        if (_inOperation.Value)
        {
            _ = _idle.Task.ContinueWith(static (_, state) => ((DiskImageCache)state!).Close(), this, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return false;
        }

        return true;
    }

    private void Close()
    {
        try
        {
            _openSweep.GetAwaiter().GetResult(); // never throws: see SweepQuietly
            try
            {
                _access.Dispose();
            }
            finally
            {
                _index.Dispose();
                _disposing.Dispose();
            }
        }
        finally
        {
            _closed.TrySetResult();
        }
    }

    /// <summary>Counts an operation in until the returned scope is disposed; throws once the cache is disposed.</summary>
    private OperationScope EnterOperation()
    {
        Interlocked.Increment(ref _operations);
        if (Volatile.Read(ref _disposed) != 0)
        {
            ExitOperation();
            throw new ObjectDisposedException(GetType().FullName);
        }

        var outer = _inOperation.Value;
        _inOperation.Value = true;
        return new OperationScope(this, outer);
    }

    private void ExitOperation()
    {
        if (Interlocked.Decrement(ref _operations) == 0)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>
    /// Refuses a folder that has no index yet but holds files the cache did not make (Pictures, the temp folder, a home
    /// folder chosen by mistake): the cache's sweeps delete what they do not know in <c>blobs/</c> and <c>tmp/</c>, so it
    /// must never move into someone else's folder. A folder whose index was lost still holds only the cache's own files
    /// (and the file manager's), and opens.
    /// </summary>
    private static void EnsureNotSomeoneElsesFolder(string directory)
    {
        if (!System.IO.Directory.Exists(directory) || File.Exists(System.IO.Path.Combine(directory, IndexDatabase.FileName)))
        {
            return;
        }

        string[] foreign;
        try
        {
            foreign = [.. System.IO.Directory.EnumerateFileSystemEntries(directory)
                .Where(path => !IsCacheOwnEntry(path))
                .Select(System.IO.Path.GetFileName)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .Take(4)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // unreadable: opening the index reports what is wrong with the folder
        }

        if (foreign.Length > 0)
        {
            var shown = string.Join(", ", foreign.Take(3)) + (foreign.Length > 3 ? ", …" : string.Empty);
            throw new DiskCacheException(
                directory,
                $"not an ImageKit disk cache: it has no {IndexDatabase.FileName} and holds other files ({shown}). " +
                "A disk cache deletes files it does not know in its folder, so it needs a folder of its own: a new or empty one");
        }
    }

    // The cache's own folders are checked down to what the sweeps act on: blobs/ holds only two-hex-digit fan-out folders
    // of blob files (named by their key's hash, which starts with the fan-out's digits), tmp/ only "<guid>.tmp" files.
    internal static bool IsCacheOwnEntry(string path) => System.IO.Path.GetFileName(path) switch
    {
        "blobs" => System.IO.Directory.Exists(path) && System.IO.Directory.EnumerateFileSystemEntries(path).All(
            fanOut => System.IO.Path.GetFileName(fanOut) is { Length: 2 } name && name.All(char.IsAsciiHexDigitLower) && System.IO.Directory.Exists(fanOut)
                && System.IO.Directory.EnumerateFileSystemEntries(fanOut).All(blob => IsBlobFile(blob, name))),
        "tmp" => System.IO.Directory.Exists(path) && System.IO.Directory.EnumerateFileSystemEntries(path).All(
            temp => System.IO.Path.GetFileName(temp) is { Length: 36 } name && name.EndsWith(".tmp", StringComparison.Ordinal) && File.Exists(temp)),
        var name => name is "index.lock" or ".DS_Store" or ".localized" or "Thumbs.db" or "desktop.ini"
            || name == IndexDatabase.FileName // absent when the check began, made since by another cache creating or recreating it
            || name.StartsWith("._", StringComparison.Ordinal) // macOS keeps extended attributes there on FAT and network volumes
            || name.StartsWith(IndexDatabase.FileName + "-", StringComparison.Ordinal) // -wal, -shm, -journal
            || (BlobStore.IsTrashFolderName(name) && System.IO.Directory.Exists(path)) // a sweep deletes it: by its full name only
            || name.StartsWith(WriteCheckPrefix, StringComparison.Ordinal),
    };

    private static bool IsBlobFile(string path, string fanOut) =>
        KeyHash.TryParseHex(System.IO.Path.GetFileName(path), out var hash) && hash.Hex.StartsWith(fanOut, StringComparison.Ordinal) && File.Exists(path);

    /// <summary>
    /// What an index that cannot be opened (SQLITE_CANTOPEN or SQLITE_READONLY) in a folder that takes no new file is
    /// told by: the index, in WAL mode, needs its -wal and -shm files beside it even to be read. Shared with the CLI's
    /// cache commands, which read the index themselves.
    /// </summary>
    /// <param name="directory">The cache folder.</param>
    /// <param name="reason">What <see cref="WhyNoFilesIn"/> said.</param>
    internal static string NoFilesReason(string directory, string reason) =>
        $"this process cannot create files in {directory} ({reason.TrimEnd('.')}), and the index needs its -wal and -shm files beside it";

    /// <summary>
    /// Why this process cannot create a file in <paramref name="directory"/> (tried with a file of its own name, deleted at
    /// once), in the operating system's words ("Permission denied", "Read-only file system", "Too many open files"); null
    /// when it can.
    /// </summary>
    internal static string? WhyNoFilesIn(string directory)
    {
        try
        {
            using var probe = new FileStream(
                System.IO.Path.Combine(directory, $"{WriteCheckPrefix}{Guid.NewGuid():N}"),
                FileMode.CreateNew,
                FileAccess.Write,
                FileShare.None,
                bufferSize: 1,
                FileOptions.DeleteOnClose);
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            // On Unix the inner exception carries the system's reason (EACCES, EPERM); the outer one says only "denied".
            return e.InnerException is IOException system ? system.Message : e.Message;
        }
        catch (IOException e)
        {
            // On Unix an error .NET has no exception type for is an IOException whose HResult is the errno, and whose
            // message ends with the path of the probe file: the system's own text for the errno says it without the path.
            return !OperatingSystem.IsWindows() && e.HResult is > 0 and < 4096 ? Marshal.GetPInvokeErrorMessage(e.HResult) : e.Message;
        }
    }

    private readonly struct OperationScope(DiskImageCache cache, bool outer) : IDisposable
    {
        public void Dispose()
        {
            cache._inOperation.Value = outer;
            cache.ExitOperation();
        }
    }
}
