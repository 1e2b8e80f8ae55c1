namespace ImageKit.Loading;

/// <summary>The order in which queued downloads of the same <see cref="DownloadPriority"/> start.</summary>
/// <remarks>
/// A shared download whose priority is raised (a more urgent request joined it) counts as just queued at its new
/// priority; one whose priority is lowered (its most urgent caller left) waits behind the downloads already queued at its
/// new priority, in either order.
/// </remarks>
public enum DownloadExecutionOrder
{
    /// <summary>First in, first out: the download queued first starts first. The default.</summary>
    Fifo = 0,

    /// <summary>
    /// Last in, first out: the download queued last starts first, which suits a scrolling list where the newest request
    /// is the one on screen.
    /// </summary>
    Lifo = 1,
}
