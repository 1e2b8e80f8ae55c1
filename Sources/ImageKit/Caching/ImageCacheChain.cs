using System.Collections.Immutable;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;

namespace ImageKit.Caching;

/// <summary>
/// Several <see cref="IImageCache"/>s used as one (the counterpart of SDWebImage's <c>SDImageCachesManager</c>), in order
/// of priority, with a policy for queries and one for everything else.
/// </summary>
/// <remarks>
/// Thread-safe as its caches are. It does not own its caches. An operation one of its caches fails (with an exception,
/// thrown before or after it returned a task, or with no task at all) fails with that cache's exception, once the parts
/// of the operation that went to the other caches have ended.
/// </remarks>
public sealed class ImageCacheChain : IImageCache
{
    private readonly ImmutableArray<IImageCache> _caches;

    /// <summary>Chains <paramref name="caches"/>, the first having the highest priority.</summary>
    /// <exception cref="ArgumentException">No cache is given, or one of them is null.</exception>
    public ImageCacheChain(IEnumerable<IImageCache> caches)
    {
        ArgumentNullException.ThrowIfNull(caches);
        _caches = [.. caches];
        if (_caches.IsEmpty)
        {
            throw new ArgumentException("a cache chain needs at least one cache", nameof(caches));
        }

        if (_caches.Contains(null!))
        {
            throw new ArgumentException("a cache chain cannot hold a null cache", nameof(caches));
        }
    }

    /// <summary>The caches, highest priority first.</summary>
    public ImmutableArray<IImageCache> Caches => _caches;

    /// <summary>How queries and <see cref="ContainsAsync"/> run. <value>Default: <see cref="ImageCacheChainPolicy.FirstHit"/>.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not an <see cref="ImageCacheChainPolicy"/>.</exception>
    public ImageCacheChainPolicy QueryPolicy
    {
        get;
        init => field = Defined(value, nameof(QueryPolicy));
    } = ImageCacheChainPolicy.FirstHit;

    /// <summary>How stores, metadata updates, removals and clears run. <value>Default: <see cref="ImageCacheChainPolicy.All"/>.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not an <see cref="ImageCacheChainPolicy"/>.</exception>
    public ImageCacheChainPolicy StorePolicy
    {
        get;
        init => field = Defined(value, nameof(StorePolicy));
    } = ImageCacheChainPolicy.All;

    /// <inheritdoc/>
    public async Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        if (QueryPolicy == ImageCacheChainPolicy.All)
        {
            // Every query is awaited before anything is thrown: a hit from one tier holds a lease that must be released
            // even when another tier fails (Task.WhenAll would throw before the hits could be disposed).
            // A tier that throws before returning a task (one written without async), or returns none, fails its query like
            // any other: the hits of the other tiers are still released below.
            var queries = _caches.Select(c => QueryOrFault(c, key, cacheType, decodeOptions, cancellationToken)).ToArray();
            try
            {
                await Task.WhenAll(queries).ConfigureAwait(false);
            }
            catch
            {
                foreach (var query in queries)
                {
                    if (query.IsCompletedSuccessfully)
                    {
                        query.Result?.Dispose();
                    }
                }

                throw;
            }

            var results = queries.Select(q => q.Result).ToArray();
            var winner = results.FirstOrDefault(r => r is not null);
            foreach (var other in results)
            {
                if (!ReferenceEquals(other, winner))
                {
                    other?.Dispose();
                }
            }

            return winner;
        }

        foreach (var cache in Select(QueryPolicy))
        {
            var result = await CacheTasks.Checked(cache.QueryAsync(key, cacheType, decodeOptions, cancellationToken), cache).ConfigureAwait(false);
            if (result is not null)
            {
                return result;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public async Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default)
    {
        foreach (var cache in Select(QueryPolicy == ImageCacheChainPolicy.All ? ImageCacheChainPolicy.FirstHit : QueryPolicy))
        {
            if (await CacheTasks.Checked(cache.GetEncodedAsync(key, cancellationToken), cache).ConfigureAwait(false) is { } entry)
            {
                return entry;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        Task.WhenAll(StartEach(Select(StorePolicy), c => c.StoreAsync(key, image, encodedData, metadata, cacheType, decodeOptions, cancellationToken)));

    /// <inheritdoc/>
    public async Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) =>
        (await Task.WhenAll(StartEach(Select(StorePolicy), c => c.UpdateMetadataAsync(key, metadata, cancellationToken))).ConfigureAwait(false)).Any(static r => r);

    /// <summary>
    /// <see cref="UpdateMetadataAsync"/> after a server confirmed <paramref name="revalidated"/>, in each cache only if it
    /// still holds those bytes (see <see cref="ImageCache.UpdateRevalidatedAsync(IImageCache, string, DiskCacheMetadata, ReadOnlyMemory{byte}, CancellationToken)"/>).
    /// </summary>
    internal async Task<bool> UpdateRevalidatedAsync(string key, DiskCacheMetadata metadata, ReadOnlyMemory<byte> revalidated, CancellationToken cancellationToken) =>
        (await Task.WhenAll(StartEach(Select(StorePolicy), c => ImageCache.UpdateRevalidatedAsync(c, key, metadata, revalidated, cancellationToken))).ConfigureAwait(false))
            .Any(static r => r);

    /// <inheritdoc/>
    public async Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        (await Task.WhenAll(StartEach(Select(StorePolicy), c => c.RemoveAsync(key, cacheType, decodeOptions, cancellationToken))).ConfigureAwait(false)).Any(static r => r);

    /// <inheritdoc/>
    public async Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        var found = ImageCacheType.None;
        foreach (var cache in Select(QueryPolicy))
        {
            found |= await CacheTasks.Checked(cache.ContainsAsync(key, cacheType, decodeOptions, cancellationToken), cache).ConfigureAwait(false);
            if (found != ImageCacheType.None && QueryPolicy == ImageCacheChainPolicy.FirstHit)
            {
                break;
            }
        }

        return found;
    }

    /// <inheritdoc/>
    public Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) =>
        Task.WhenAll(StartEach(Select(StorePolicy), c => c.ClearAsync(cacheType, cancellationToken)));

    private static Task<ImageCacheResult?> QueryOrFault(IImageCache cache, string key, ImageCacheType cacheType, ImageDecodeOptions? decodeOptions, CancellationToken cancellationToken)
    {
        try
        {
            // A null task is the cache's bug, reported as one, not as a NullReferenceException that leaks the other hits.
            return CacheTasks.Checked(cache.QueryAsync(key, cacheType, decodeOptions, cancellationToken), cache);
        }
        catch (Exception e)
        {
            return Task.FromException<ImageCacheResult?>(e);
        }
    }

    // Starts an operation on each cache. One that fails before it returns a task (a cache written without async), or
    // returns none, fails its own task like any other failure: Task.WhenAll then ends only once the other caches'
    // operations have, and the failure comes after them. A load undoes a failed store by removing what the other caches
    // stored; thrown at once, that removal ran before their stores had landed, and they kept the image of a failed load.
    private static Task[] StartEach(ImmutableArray<IImageCache> caches, Func<IImageCache, Task> operation) =>
        StartEach(caches, operation, static e => Task.FromException(e));

    private static Task<T>[] StartEach<T>(ImmutableArray<IImageCache> caches, Func<IImageCache, Task<T>> operation) =>
        StartEach(caches, operation, static e => Task.FromException<T>(e));

    private static TTask[] StartEach<TTask>(ImmutableArray<IImageCache> caches, Func<IImageCache, TTask?> operation, Func<Exception, TTask> failed)
        where TTask : Task
    {
        var tasks = new TTask[caches.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            try
            {
                tasks[i] = operation(caches[i]) ?? failed(CacheTasks.NoTask(caches[i]));
            }
            catch (Exception e)
            {
                tasks[i] = failed(e);
            }
        }

        return tasks;
    }

    /// <summary>The caches that stores, removals and clears go to (<see cref="StorePolicy"/>).</summary>
    internal ImmutableArray<IImageCache> StoreTargets => Select(StorePolicy);

    // An undefined policy was taken for one of the defined ones (FirstHit-like queries, stores to every cache).
    private static ImageCacheChainPolicy Defined(ImageCacheChainPolicy policy, string name) =>
        Enum.IsDefined(policy) ? policy : throw new ArgumentOutOfRangeException(name, policy, "Not an ImageCacheChainPolicy value.");

    private ImmutableArray<IImageCache> Select(ImageCacheChainPolicy policy) => policy switch
    {
        ImageCacheChainPolicy.HighestPriorityOnly => [_caches[0]],
        ImageCacheChainPolicy.LowestPriorityOnly => [_caches[^1]],
        _ => _caches,
    };
}
