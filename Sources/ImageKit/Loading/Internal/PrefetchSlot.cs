namespace ImageKit.Loading.Internal;

/// <summary>
/// The place of one prefetched URL's load in its prefetch's <see cref="PrefetchConcurrency"/>. Set as
/// <see cref="Current"/> around the load, it is taken by each download the load waits for (see
/// <see cref="DownloadWaiter.PrefetchSlot"/>), which says when it waits out a retry and when the wait is over.
/// </summary>
internal sealed class PrefetchSlot(PrefetchConcurrency concurrency)
{
    private static readonly AsyncLocal<PrefetchSlot?> s_current = new();

    private readonly Lock _lock = new();
    private int _waits;
    private bool _ended;

    /// <summary>The slot of the prefetched load running on this flow, if any.</summary>
    public static PrefetchSlot? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>A download of the load waits out a retry: the load leaves its place while it waits.</summary>
    public void RetryWaiting()
    {
        lock (_lock)
        {
            if (!_ended && _waits++ == 0)
            {
                concurrency.Exit();
            }
        }
    }

    /// <summary>A retry's wait is over: the load counts again. Ignored for a wait it was not told of.</summary>
    public void RetryResumed()
    {
        lock (_lock)
        {
            if (!_ended && _waits > 0 && --_waits == 0)
            {
                concurrency.Reenter();
            }
        }
    }

    /// <summary>The load has ended: it leaves its place, unless it left it for a retry's wait already. Once only.</summary>
    public void End()
    {
        lock (_lock)
        {
            if (!_ended)
            {
                _ended = true;
                if (_waits == 0)
                {
                    concurrency.Exit();
                }
            }
        }
    }
}
