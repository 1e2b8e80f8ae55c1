using ImageKit.Caching.Internal;

namespace ImageKit.Caching;

public sealed partial class DiskImageCache
{
    /// <summary>
    /// Replaces an entry's metadata and sets its stored time to now (as after an HTTP 304 with new validators), without
    /// touching its bytes. The whole metadata record is replaced: pass every field you want kept.
    /// </summary>
    /// <remarks>
    /// An entry that has expired but was not removed yet (no read, trim or sweep met it since) is updated too, and is then
    /// fresh again, whatever the <see cref="DiskImageCacheOptions.ExpiryBasis"/>: a 304 makes a stale stored response fresh
    /// (RFC 9111 §4.3.4), and a revalidation's answer may come after the entry's age ran out. An expired entry that was
    /// already removed is not brought back.
    /// The metadata goes onto whatever bytes the entry holds by then, also when another instance or process replaced them
    /// since they were read; an <see cref="ImageManager"/> revalidating an image updates the entry only if it still holds
    /// the bytes the server confirmed. Bytes an <see cref="ImageManager"/> loaded but has not stored yet (a deferred store)
    /// take the metadata too, so that their store does not bring the old validators back.
    /// </remarks>
    /// <returns><see langword="false"/> when there is no such entry, nor bytes of it waiting to be stored.</returns>
    public Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) =>
        UpdateMetadataOfBytesAsync(key, metadata, ofBytes: null, cancellationToken);

    /// <summary>
    /// <see cref="UpdateMetadataAsync(string, DiskCacheMetadata, CancellationToken)"/>, with <paramref name="ofBytes"/>
    /// only if the entry still holds those bytes (same length and checksum): validators a server gave for the bytes that
    /// were revalidated must not be attached to another version that another cache (another process) stored meanwhile.
    /// </summary>
    /// <returns><see langword="false"/> when there is no such entry, or it holds other bytes (it is then left as it is).</returns>
    internal async Task<bool> UpdateMetadataOfBytesAsync(string key, DiskCacheMetadata metadata, ReadOnlyMemory<byte>? ofBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(metadata);
        using var operation = EnterOperation();
        cancellationToken.ThrowIfCancellationRequested();

        // The bytes may still wait for a deferred store (a 304 soon after the load that fetched them): it takes the new
        // validators, and one running is waited for, so that the entry it writes is updated below.
        var pendingUpdated = await PendingStores.UpdateMetadataAsync(key, metadata, ofBytes).WaitAsync(cancellationToken).ConfigureAwait(false);
        var hash = KeyHash.Of(key);
        var now = NowTicks;
        (long, long)? bytes = ofBytes is { } data ? (data.Length, BlobStore.Checksum(data.Span)) : null;
        return _index.Write(c => c.UpdateMetadata(hash.Bytes, now, metadata, bytes)) || pendingUpdated;
    }
}
