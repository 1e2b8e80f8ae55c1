namespace ImageKit.Display;

/// <summary>One refresh of a <see cref="DisplayLink"/>.</summary>
/// <param name="Timestamp">When this refresh happened, on the link's monotonic clock (an arbitrary origin).</param>
/// <param name="TargetTimestamp">When the frame prepared now will be on screen: the next refresh, on the same clock.</param>
public readonly record struct DisplayLinkTick(TimeSpan Timestamp, TimeSpan TargetTimestamp);
