namespace ImageKit.Animation;

/// <summary>What an <see cref="AnimatedImagePlayer"/> has done so far.</summary>
/// <param name="FramesShown">Frames that became the current frame.</param>
/// <param name="FramesSkipped">Frames whose time passed without them being shown (not decoded in time, or shorter than a refresh). The last frame of a finished playback stays current: it counts here only until it is decoded and shown.</param>
/// <param name="LoopsCompleted">Loops played to the end.</param>
/// <param name="DecodeErrors">Failed decodes of a frame (the frame counts as skipped when due). A frame whose data is broken (<see cref="Decoding.ImageDecodingException"/>) is not decoded again; one that failed for another reason (memory that could not be allocated, a source's I/O) is tried again in the next loop and when playback starts, and each failure counts.</param>
/// <param name="DecodeMillisecondsP50">Median time to decode one frame.</param>
/// <param name="DecodeMillisecondsP99">99th percentile of the time to decode one frame.</param>
/// <param name="BufferedBytes">Bytes of decoded frames the buffer holds now, frames it shares with other players of the image included (<see cref="FrameBudget.UsedBytes"/> counts those once).</param>
/// <param name="BufferPeakBytes">The most bytes the buffer has held, counted as <paramref name="BufferedBytes"/> is.</param>
public sealed record PlayerStatistics(
    long FramesShown,
    long FramesSkipped,
    long LoopsCompleted,
    long DecodeErrors,
    double DecodeMillisecondsP50,
    double DecodeMillisecondsP99,
    long BufferedBytes,
    long BufferPeakBytes);
