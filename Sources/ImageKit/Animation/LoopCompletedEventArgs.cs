namespace ImageKit.Animation;

/// <summary>A loop of the animation was played to its end.</summary>
public sealed class LoopCompletedEventArgs(int loop) : EventArgs
{
    /// <summary>The loop that completed (0-based).</summary>
    public int Loop { get; } = loop;
}
