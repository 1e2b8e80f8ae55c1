using ImageKit.Decoding;

namespace ImageKit.Animation;

/// <summary>The frame on screen changed.</summary>
/// <remarks>
/// <see cref="Frame"/> is a lease owned by the player and valid only while the handler runs; call
/// <see cref="ImageFrame.Share"/> to keep the frame longer (and dispose that lease).
/// </remarks>
public sealed class FrameChangedEventArgs(int index, int loop, ImageFrame frame) : EventArgs
{
    /// <summary>The index of the new current frame.</summary>
    public int Index { get; } = index;

    /// <summary>The loop (0-based) the frame was shown in: with a synchronization context, the frame's loop, whatever the player plays when the event runs.</summary>
    public int Loop { get; } = loop;

    /// <summary>The new current frame, valid during the handler only.</summary>
    public ImageFrame Frame { get; } = frame;
}
