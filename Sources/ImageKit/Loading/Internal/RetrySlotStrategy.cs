using Polly;

namespace ImageKit.Loading.Internal;

/// <summary>
/// Takes a download slot again before a retried attempt, the download having lent its own out for the retry's wait (see
/// <see cref="HostResiliencePipelines"/>). Placed just inside the retry: the wait for a slot counts neither against the
/// attempt timeout nor as the circuit's trial, and the breaker is asked only once the attempt can start.
/// </summary>
internal sealed class RetrySlotStrategy(DownloadQueue queue) : ResilienceStrategy
{
    /// <summary>The download whose attempts the pipeline runs; set by the downloader when the pipeline retries.</summary>
    public static readonly ResiliencePropertyKey<SharedDownload> Download = new("ImageKit.Download");

    /// <summary>Lends the slot of the download of <paramref name="context"/> out for a retry's wait of <paramref name="delay"/>.</summary>
    public static void LendSlot(DownloadQueue queue, ResilienceContext context, TimeSpan delay)
    {
        // Not for a retry that does not wait: it would queue behind the download the slot went to.
        if (delay > TimeSpan.Zero && context.Properties.TryGetValue(Download, out var download) && !download.QueueItem.SlotLent)
        {
            queue.Lend(download.QueueItem);
            download.RetryWait(waiting: true);
        }
    }

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        // The first attempt, and a retry that did not wait, run in the slot the download holds.
        return context.Properties.TryGetValue(Download, out var download) && download.QueueItem.SlotLent
            ? InSlotAgainAsync(callback, context, state, download)
            : callback(context, state);
    }

    private async ValueTask<Outcome<TResult>> InSlotAgainAsync<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state, SharedDownload download)
    {
        download.RetryWait(waiting: false);
        try
        {
            // With the priority of those waiting for it now (some may have joined, or left, during the wait).
            await queue.TakeBackAsync(download.QueueItem, download.WaitingPriority, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch (OperationCanceledException e)
        {
            return Outcome.FromException<TResult>(e);
        }

        return await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
    }
}
