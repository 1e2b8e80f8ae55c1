namespace ImageKit.Caching.Internal;

/// <summary>
/// The stores of one <see cref="DiskImageCache"/> that an <see cref="ImageManager"/> has promised for loads that already
/// returned and will run later (in the background, after the burst of loads): a removal or a clear must not be undone by
/// a store of bytes loaded before it. It lives with the disk tier, so that a removal through the tier itself counts too.
/// A removal of a key (or a clear) cancels the stores of that key (of every key) that have not begun and waits for those
/// that are running; stores registered after it are untouched. A write of a key's bytes supersedes the stores of its
/// bytes registered before it in the same way (see <see cref="SupersedeAsync"/>), and new validators for a key (a 304)
/// go onto the bytes still waiting too (see <see cref="UpdateMetadataAsync"/>). Thread-safe.
/// </summary>
/// <remarks>
/// Without it, <c>ClearAsync</c> returned while the stores of images loaded just before were still queued, and they
/// landed afterwards: up to 38 of 40 images loaded before a clear were on disk after it.
/// </remarks>
internal sealed class PendingDiskStores
{
    // The registered store whose write runs in this flow of execution (set by ImageCache.StoreDeferredAsync): its own write
    // must not supersede itself or the stores registered after it.
    private static readonly AsyncLocal<Store?> s_current = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<Store>> _byKey = new(StringComparer.Ordinal);
    private long _registered;

    /// <summary>
    /// Registers a store of <paramref name="key"/>'s bytes (<paramref name="data"/> and <paramref name="metadata"/>, which
    /// <see cref="Pending"/> hands out until it lands), or of a variant made from them (no data), that will run later.
    /// </summary>
    public Store Register(string key, ReadOnlyMemory<byte> data = default, DiskCacheMetadata? metadata = null)
    {
        var store = new Store(this, key) { Data = data, Metadata = metadata ?? DiskCacheMetadata.Empty };
        lock (_lock)
        {
            store.Sequence = ++_registered;
            if (!_byKey.TryGetValue(key, out var stores))
            {
                _byKey[key] = stores = [];
            }

            stores.Add(store);
        }

        return store;
    }

    /// <summary>Cancels the stores of <paramref name="key"/> (of every key when <see langword="null"/>) that have not begun; completes when the running ones have ended.</summary>
    public Task CancelAsync(string? key)
    {
        lock (_lock)
        {
            IEnumerable<HashSet<Store>> sets = key is null ? [.. _byKey.Values] : _byKey.TryGetValue(key, out var one) ? [one] : [];
            List<Task>? running = null;
            foreach (var stores in sets)
            {
                CancelOrWait(stores, before: null, bytesOnly: false, ref running);
            }

            return running is null ? Task.CompletedTask : Task.WhenAll(running);
        }
    }

    /// <summary>The registered store whose write runs in the current flow of execution, if any.</summary>
    internal static Store? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>
    /// Before a write of <paramref name="key"/>'s bytes: cancels the stores of its bytes registered before it that have not
    /// begun (they hold older bytes, which would land over the newer ones), and completes when those running have ended,
    /// so that the newer bytes land last. A write made by a registered store (<see cref="Current"/>) leaves that store and
    /// the ones registered after it alone. Stores of variants (no bytes) are left alone.
    /// </summary>
    public Task SupersedeAsync(string key)
    {
        var current = Current;
        lock (_lock)
        {
            if (!_byKey.TryGetValue(key, out var stores))
            {
                return Task.CompletedTask;
            }

            List<Task>? running = null;
            CancelOrWait(stores, before: current, bytesOnly: true, ref running);
            return running is null ? Task.CompletedTask : Task.WhenAll(running);
        }
    }

    // Caller holds _lock. Cancels the stores of one key that have not begun (only those registered before `before`, and
    // only stores of bytes when `bytesOnly`); adds the Ended of those running to `running`. Allocates nothing when it
    // cancels nothing (most calls: a store's own write).
    private void CancelOrWait(HashSet<Store> stores, Store? before, bool bytesOnly, ref List<Task>? running)
    {
        List<Store>? cancelled = null;
        foreach (var store in stores)
        {
            if ((bytesOnly && store.Data.IsEmpty) || (before is not null && store.Sequence >= before.Sequence))
            {
                continue;
            }

            if (store.State == StoreState.Queued)
            {
                (cancelled ??= []).Add(store);
            }
            else
            {
                (running ??= []).Add(store.Ended.Task);
            }
        }

        foreach (var store in cancelled ?? [])
        {
            store.State = StoreState.Cancelled;
            Forget(store);
        }
    }

    /// <summary>
    /// New validators for <paramref name="key"/> (a server's 304): the stores of its bytes that have not begun get them (only
    /// those holding <paramref name="ofBytes"/>, when given), so that a store landing after the 304 does not bring the old
    /// validators back; completes, with whether any store took them, once the running ones have ended, so that the caller
    /// then updates the entry they wrote.
    /// </summary>
    public async Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, ReadOnlyMemory<byte>? ofBytes)
    {
        var updated = false;
        List<Task>? running = null;
        lock (_lock)
        {
            if (_byKey.TryGetValue(key, out var stores))
            {
                foreach (var store in stores)
                {
                    if (store.Data.IsEmpty || (ofBytes is { } bytes && !bytes.Span.SequenceEqual(store.Data.Span)))
                    {
                        continue;
                    }

                    if (store.State == StoreState.Queued)
                    {
                        store.Metadata = metadata;
                        updated = true;
                    }
                    else
                    {
                        (running ??= []).Add(store.Ended.Task);
                    }
                }
            }
        }

        if (running is not null)
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }

        return updated;
    }

    /// <summary>
    /// The bytes of the latest store of <paramref name="key"/> that has not landed yet (waiting or running), or
    /// <see langword="null"/>: a load that misses the disk while they wait reads them instead of downloading them again.
    /// </summary>
    public (ReadOnlyMemory<byte> Data, DiskCacheMetadata Metadata)? Pending(string key)
    {
        lock (_lock)
        {
            Store? latest = null;
            if (_byKey.TryGetValue(key, out var stores))
            {
                foreach (var store in stores)
                {
                    if (!store.Data.IsEmpty && store.State is StoreState.Queued or StoreState.Running && store.Sequence > (latest?.Sequence ?? 0))
                    {
                        latest = store;
                    }
                }
            }

            return latest is null ? null : (latest.Data, latest.Metadata);
        }
    }

    private void Forget(Store store)
    {
        if (_byKey.TryGetValue(store.Key, out var stores) && stores.Remove(store) && stores.Count == 0)
        {
            _byKey.Remove(store.Key);
        }
    }

    internal enum StoreState
    {
        Queued,
        Running,
        Cancelled,
        Ended,
    }

    /// <summary>One promised store: <see cref="TryBegin"/> when it runs, then <see cref="End"/>; <see cref="End"/> alone if it never will.</summary>
    internal sealed class Store(PendingDiskStores owner, string key)
    {
        private DiskCacheMetadata _metadata = DiskCacheMetadata.Empty;

        public string Key { get; } = key;

        public StoreState State { get; set; }

        public long Sequence { get; set; }

        public ReadOnlyMemory<byte> Data { get; init; }

        /// <summary>What goes beside the bytes; replaced by a 304 that comes before the store begins (under the owner's lock).</summary>
        public DiskCacheMetadata Metadata
        {
            get
            {
                lock (owner._lock)
                {
                    return _metadata;
                }
            }

            set
            {
                lock (owner._lock)
                {
                    _metadata = value;
                }
            }
        }

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Whether the store may run: <see langword="false"/> once a removal or a clear cancelled it.</summary>
        public bool TryBegin()
        {
            lock (owner._lock)
            {
                if (State != StoreState.Queued)
                {
                    return false;
                }

                State = StoreState.Running;
                return true;
            }
        }

        /// <summary>The store has landed, failed or will never run. Idempotent.</summary>
        public void End()
        {
            lock (owner._lock)
            {
                if (State is StoreState.Ended or StoreState.Cancelled)
                {
                    return;
                }

                State = StoreState.Ended;
                owner.Forget(this);
            }

            Ended.TrySetResult();
        }
    }
}
