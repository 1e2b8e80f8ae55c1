namespace ImageKit.Caching;

public sealed partial class ImageCache
{
    // Set first thing by the disposal of a cache that owns its tiers (see Dispose's remarks); never for one over tiers
    // passed in, which stay the caller's.
    private volatile bool _disposed;

    /// <summary>
    /// Disposes the tiers this cache created; a disk tier still opening in the background is waited for, then closed.
    /// Idempotent.
    /// </summary>
    /// <remarks>
    /// Afterwards the cache answers as its <see cref="MemoryImageCache"/> does, with or without a disk tier:
    /// <see cref="QueryAsync"/>, <see cref="GetEncodedAsync"/>, <see cref="StoreAsync"/> and
    /// <see cref="UpdateMetadataAsync"/> throw <see cref="ObjectDisposedException"/> (a lookup or a store would be a
    /// mistake); <see cref="ContainsAsync"/>, <see cref="RemoveAsync"/> and <see cref="ClearAsync"/> see an empty cache,
    /// so that clean-up code racing a shutdown needs no guard. A cache over tiers passed in disposes nothing and stays
    /// usable: those tiers are the caller's, and their own rules apply once the caller disposes them.
    /// </remarks>
    public void Dispose()
    {
        if (_ownsTiers)
        {
            _disposed = true;
            Memory.Dispose();
            ((Task)_disk).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
            OpenedDisk()?.Dispose();
        }
    }

    /// <summary>Disposes the tiers this cache created, the disk tier asynchronously (see <see cref="Dispose"/>). Idempotent.</summary>
    /// <inheritdoc cref="Dispose" path="/remarks"/>
    public async ValueTask DisposeAsync()
    {
        if (_ownsTiers)
        {
            _disposed = true;
            Memory.Dispose();
            await ((Task)_disk).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (OpenedDisk() is { } disk)
            {
                await disk.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Whether the cache is known to have no disk tier, without waiting for one opening in the background (which may
    /// still open: then <see langword="false"/>). For code on a caller's thread, where <see cref="Disk"/> would block.
    /// </summary>
    internal bool HasNoDisk => _disk.IsCompletedSuccessfully && _disk.Result is null;

    // The disk tier once its opening has ended: the one opened, or none (no tier, a folder that could not be used).
    private DiskImageCache? OpenedDisk() => _disk.IsCompletedSuccessfully ? _disk.Result : null;
}
