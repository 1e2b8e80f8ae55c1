namespace ImageKit.Animation.Internal;

/// <summary>The frame indices of one loop in a <see cref="PlaybackMode"/>: the steps a player walks through.</summary>
internal static class PlaybackSequence
{
    public static int[] Create(PlaybackMode mode, int frameCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 1);
        var forward = Enumerable.Range(0, frameCount);
        var backward = Enumerable.Range(0, frameCount).Reverse();
        var inner = Enumerable.Range(1, Math.Max(0, frameCount - 2));
        return mode switch
        {
            PlaybackMode.Normal => [.. forward],
            PlaybackMode.Reverse => [.. backward],
            PlaybackMode.Bounce => [.. forward, .. inner.Reverse()],
            PlaybackMode.ReversedBounce => [.. backward, .. inner],
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown playback mode"),
        };
    }
}
