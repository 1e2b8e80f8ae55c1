using System.Diagnostics.Metrics;
using ImageKit.Diagnostics.Internal;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    private readonly ImageKitMetrics _metrics;
    private PlayingMark? _playingMark;

    // Caller holds _lock. Counts transitions only, so the players-playing counter returns to zero when playback ends, and
    // when a player nobody disposed is collected while playing (its mark's finalizer).
    private void SetPlaying(bool playing)
    {
        if (_playing == playing)
        {
            return;
        }

        _playing = playing;
        if (playing)
        {
            Contained.Add(_metrics.PlayersPlaying, 1);
            _playingMark = new PlayingMark(_metrics.PlayersPlaying);
        }
        else
        {
            _playingMark?.End();
            _playingMark = null;
        }
    }

    /// <summary>
    /// One player counted as playing, until <see cref="End"/>, or until it is collected with the player that forgot to
    /// stop: the smallest owner of that +1, so it alone needs a finalizer.
    /// </summary>
    private sealed class PlayingMark(UpDownCounter<long> counter)
    {
        private int _ended;

        // Listener code must not run on the finalizer thread: the -1 goes through the thread pool.
        ~PlayingMark()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static c => Contained.Add(c, -1), counter, preferLocal: false);
            }
        }

        public void End()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                Contained.Add(counter, -1);
#pragma warning disable CA1816 // End is this type's Dispose: the -1 is counted, the finalizer has nothing left to do.
                GC.SuppressFinalize(this);
#pragma warning restore CA1816
            }
        }
    }
}
