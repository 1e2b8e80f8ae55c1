namespace ImageKit.Loading.Internal;

/// <summary>
/// The limit of one <see cref="ImagePrefetcher.PrefetchAsync"/> on the URLs it loads at once
/// (<see cref="ImagePrefetcher.MaxConcurrentPrefetches"/>). A load whose download waits out a retry leaves its place
/// meanwhile (see <see cref="PrefetchSlot"/>), as the download leaves its downloader slot: a few URLs answering
/// <c>503</c> with <c>Retry-After</c> no longer stop the rest of the list. Back from the wait, it counts again at once (the
/// downloader, not this limit, bounds its next attempt), and no new URL starts until the count is under the limit.
/// </summary>
/// <param name="max">How many loads count at once.</param>
internal sealed class PrefetchConcurrency(int max)
{
    private readonly Lock _lock = new();
    private int _busy;
    private TaskCompletionSource? _freed;

    /// <summary>Waits until a load may start, and counts it. Only one caller (the prefetch's loop) waits at a time.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task EnterAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task freed;
            lock (_lock)
            {
                if (_busy < max)
                {
                    _busy++;
                    return;
                }

                _freed ??= new(TaskCreationOptions.RunContinuationsAsynchronously);
                freed = _freed.Task;
            }

            await freed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A load no longer counts: it has ended, or its download waits out a retry.</summary>
    public void Exit()
    {
        TaskCompletionSource? freed = null;
        lock (_lock)
        {
            _busy--;
            if (_busy < max)
            {
                (freed, _freed) = (_freed, null);
            }
        }

        freed?.TrySetResult();
    }

    /// <summary>A load whose download waited out a retry counts again, over the limit if need be.</summary>
    public void Reenter()
    {
        lock (_lock)
        {
            _busy++;
        }
    }
}
