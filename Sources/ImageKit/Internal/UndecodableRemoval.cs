using ImageKit.Caching;

namespace ImageKit.Internal;

/// <summary>
/// One background removal of a cached copy whose frames failed to decode (see <c>ImageManager.ForgetUndecodable</c>). A
/// load that stores a fresh copy under the same key while it runs supersedes it in the tiers it stores to: the removal
/// then leaves those alone, or it would take the fresh copy with the broken one.
/// </summary>
/// <param name="memoryKey">The memory cache's key of the broken copy (the cache key and how it was decoded).</param>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim holds nothing to dispose unless its AvailableWaitHandle is used, which it never is here.")]
internal sealed class UndecodableRemoval(string memoryKey)
{
    // One at a time: a removal step, or a supersession. A fresh copy is stored only once a step under way has ended, and
    // a step that begins after the supersession sees it.
    private readonly SemaphoreSlim _turn = new(1, 1);
    private ImageCacheType _superseded;

    /// <summary>The memory cache's key of the broken copy: a fresh copy decoded otherwise is another memory entry.</summary>
    public string MemoryKey { get; } = memoryKey;

    /// <summary>Runs <paramref name="remove"/>, the removal from <paramref name="tier"/>, unless a fresh copy superseded it there.</summary>
    public async Task RemoveAsync(ImageCacheType tier, Func<Task> remove)
    {
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            if ((_superseded & tier) == 0)
            {
                await remove().ConfigureAwait(false);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Keeps the removal out of <paramref name="tiers"/>, once a removal step under way there has ended.</summary>
    public async Task SupersedeAsync(ImageCacheType tiers, CancellationToken cancellationToken)
    {
        if (tiers == ImageCacheType.None)
        {
            return;
        }

        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        _superseded |= tiers;
        _turn.Release();
    }
}
