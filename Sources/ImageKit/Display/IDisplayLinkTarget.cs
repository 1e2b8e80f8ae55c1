namespace ImageKit.Display;

/// <summary>Something driven by a <see cref="DisplayLink"/>: an animated image player, a view.</summary>
public interface IDisplayLinkTarget
{
    /// <summary>
    /// Called once per refresh on the link's thread. Return quickly and never block: every target of the link shares that
    /// thread. An exception thrown here is caught and counted in <see cref="DisplayLink.FailedTicks"/>; it never stops the link.
    /// </summary>
    void OnDisplayLinkTick(DisplayLinkTick tick);
}
