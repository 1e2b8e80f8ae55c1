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

    // The step of `sequence` that shows old[step]: of the two a bounce order has for an inner frame, the one followed by the
    // frame that came next (the same mode set again, on the way back, stays on the way back), else the first.
    public static int StepKeepingDirection(int[] old, int step, int[] sequence)
    {
        var frame = old[step];
        var next = old[(step + 1) % old.Length];
        var first = -1;
        for (var k = 0; k < sequence.Length; k++)
        {
            if (sequence[k] != frame)
            {
                continue;
            }

            if (sequence[(k + 1) % sequence.Length] == next)
            {
                return k;
            }

            first = first < 0 ? k : first;
        }

        return Math.Max(0, first);
    }
}
