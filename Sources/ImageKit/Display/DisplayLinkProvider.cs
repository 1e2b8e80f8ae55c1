namespace ImageKit.Display;

/// <summary>
/// Hands out the display link that players subscribe to, in the spirit of <see cref="TimeProvider"/>: the system default
/// for apps, a timer anywhere, and a virtual clock for tests and headless rendering. Disposing a provider disposes the
/// links it created.
/// </summary>
public abstract class DisplayLinkProvider : IDisposable
{
    /// <summary>The display link of the main display: the same instance on every call, shared by every subscriber.</summary>
    /// <exception cref="ObjectDisposedException">The provider has been disposed.</exception>
    public abstract DisplayLink GetDisplayLink();

    /// <summary>Disposes the links this provider created. Idempotent.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the links this provider created.</summary>
    /// <param name="disposing"><see langword="true"/> from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
