using ImageKit.Diagnostics.Internal;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    private readonly ImageKitMetrics _metrics;

    // Caller holds _lock. Counts transitions only, so the players-playing counter returns to zero when playback ends.
    private void SetPlaying(bool playing)
    {
        if (_playing != playing)
        {
            _playing = playing;
            _metrics.PlayersPlaying.Add(playing ? 1 : -1);
        }
    }
}
