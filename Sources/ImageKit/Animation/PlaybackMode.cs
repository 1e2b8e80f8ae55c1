namespace ImageKit.Animation;

/// <summary>
/// The order in which an <see cref="AnimatedImagePlayer"/> shows frames. With N frames, one loop shows
/// (every frame for its own duration; a turnaround frame once):
/// </summary>
public enum PlaybackMode
{
    /// <summary>0, 1, …, N−1.</summary>
    Normal = 0,

    /// <summary>N−1, …, 1, 0.</summary>
    Reverse,

    /// <summary>0, 1, …, N−1, N−2, …, 1: forward, then back without repeating either end.</summary>
    Bounce,

    /// <summary>N−1, …, 1, 0, 1, …, N−2: backward, then forward without repeating either end.</summary>
    ReversedBounce,
}
