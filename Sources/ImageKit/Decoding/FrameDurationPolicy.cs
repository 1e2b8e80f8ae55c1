namespace ImageKit.Decoding;

/// <summary>
/// How an encoded frame duration becomes the duration a frame is shown for. Many files say 0 or 10 ms meaning "as fast as
/// you like"; browsers show such frames for 100 ms, and so does ImageKit by default.
/// </summary>
/// <param name="Threshold">Encoded durations at or below this are replaced.</param>
/// <param name="Replacement">What replaces them: zero or more.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="Replacement"/> is negative.</exception>
public sealed record FrameDurationPolicy(TimeSpan Threshold, TimeSpan Replacement)
{
    /// <summary>What replaces durations at or below <see cref="Threshold"/>: zero or more.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan Replacement
    {
        get;
        init => field = NotNegative(value);
    }

        = NotNegative(Replacement);

    /// <summary>Browsers' rule, the default: 10 ms or less plays as 100 ms.</summary>
    public static FrameDurationPolicy Browser { get; } = new(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100));

    /// <summary>Plays every frame for its encoded duration, even 0 ms.</summary>
    public static FrameDurationPolicy AsEncoded { get; } = new(TimeSpan.MinValue, TimeSpan.Zero);

    /// <summary>Returns the duration a frame with the encoded <paramref name="duration"/> is shown for.</summary>
    public TimeSpan Apply(TimeSpan duration) => duration <= Threshold ? Replacement : duration;

    // A frame cannot be shown for a negative time (and sums of durations assume none is).
    private static TimeSpan NotNegative(TimeSpan replacement)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replacement, TimeSpan.Zero, nameof(Replacement));
        return replacement;
    }
}
