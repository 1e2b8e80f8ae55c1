using System.Threading.Channels;
using ImageKit.Decoding;

namespace ImageKit.Animation.Internal;

/// <summary>
/// Decodes frames ahead of a player's playhead on the thread pool, so the display-link thread never decodes and never
/// waits. The tick only posts a wake-up (a bounded channel of one, dropping extra wake-ups), and the worker fills the
/// buffer until it holds every upcoming frame it has room for.
/// </summary>
/// <remarks>
/// The worker is an async loop that holds no thread while idle and references only itself and the
/// <see cref="PlaybackCore"/> (not even its creator's execution context): if the player is dropped without being
/// disposed, the loop, its channel and the core become garbage together.
/// </remarks>
internal sealed class FrameDecodeWorker
{
    private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, SingleWriter = false });

    private readonly Task _loop;

    // Set by StopAsync before it completes the channel, and read before every decode: the channel's completion cannot tell
    // the loop to stop, as it stays incomplete while a wake-up is still queued.
    private volatile bool _stopping;

    public FrameDecodeWorker(PlaybackCore core)
    {
        // The loop lives as long as its player and decodes for it alone: it must not run in, nor keep alive for the
        // player's whole life, the context its creator happened to have (AsyncLocal values: a request's state, an
        // Activity, logging scopes), as ImageKit's timers do not (ContextFreeTimer).
        var restore = !ExecutionContext.IsFlowSuppressed();
        if (restore)
        {
            ExecutionContext.SuppressFlow();
        }

        try
        {
            _loop = Task.Run(() => RunAsync(core));
        }
        finally
        {
            if (restore)
            {
                ExecutionContext.RestoreFlow();
            }
        }
    }

    public void Wake() => _wakeUps.Writer.TryWrite(true);

    /// <summary>Whether <see cref="StopAsync"/> was called (tests).</summary>
    internal bool IsStopping => _stopping;

    /// <summary>Stops the loop and waits for a decode in progress to finish. The task never faults.</summary>
    public Task StopAsync()
    {
        _stopping = true;
        _wakeUps.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync(PlaybackCore core)
    {
        var wakeUps = _wakeUps.Reader;
        while (await wakeUps.WaitToReadAsync().ConfigureAwait(false))
        {
            while (wakeUps.TryRead(out _))
            {
            }

            try
            {
                // Once stopping, not one more frame: the buffer is about to be released, and Dispose waits for the loop.
                while (!_stopping && core.DecodeNext())
                {
                }
            }
            catch (ObjectDisposedException)
            {
                // The image itself was released (a frame's failure, even an ObjectDisposedException from the source, is
                // counted per frame by PlaybackCore): nothing more to decode.
                return;
            }
#pragma warning disable CA1031 // Decode failures are caught per frame (PlaybackCore); anything else ends decoding, never Dispose.
            catch (Exception)
#pragma warning restore CA1031
            {
                core.RecordWorkerFailure();
                return;
            }
        }
    }
}
