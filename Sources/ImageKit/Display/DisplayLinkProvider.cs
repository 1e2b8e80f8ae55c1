using ImageKit.Display.MacOS;
using ImageKit.Display.MacOS.Interop;

namespace ImageKit.Display;

/// <summary>
/// Hands out the display link that players subscribe to, in the spirit of <see cref="TimeProvider"/>: the system default
/// for apps, a timer anywhere, and a virtual clock for tests and headless rendering. Disposing a provider disposes the
/// links it created.
/// </summary>
public abstract class DisplayLinkProvider : IDisposable
{
    private static readonly Lazy<DisplayLinkProvider> s_system = new(CreateSystem);

    // The process-wide instance ignores Dispose: one caller must not be able to stop every animation of the app.
    private bool _isSystem;

    /// <summary>
    /// The process-wide default, created on first use: a <see cref="CVDisplayLinkProvider"/> on macOS when CoreVideo can
    /// create a display link (there is a display), otherwise a <see cref="TimerDisplayLinkProvider"/> at 60 Hz. Like
    /// <see cref="TimeProvider.System"/> it is shared by everything in the process, and disposing it does nothing.
    /// </summary>
    public static DisplayLinkProvider System => s_system.Value;

    /// <summary>The display link of the main display: the same instance on every call, shared by every subscriber.</summary>
    /// <exception cref="ObjectDisposedException">The provider has been disposed.</exception>
    public abstract DisplayLink GetDisplayLink();

    /// <summary>Disposes the links this provider created. Idempotent; does nothing on <see cref="System"/>.</summary>
    public void Dispose()
    {
        if (_isSystem)
        {
            return;
        }

        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Picks the system default: CoreVideo on macOS when it can create a link, else a 60 Hz timer. Separate from
    /// <see cref="System"/> so that tests can run the choice against a fake CoreVideo on any OS.
    /// </summary>
    internal static DisplayLinkProvider Select(bool isMacOS, Func<ICoreVideo> coreVideo)
    {
        if (isMacOS)
        {
            try
            {
                if (CVDisplayLinkProvider.TryCreate(coreVideo()) is { } provider)
                {
                    return provider;
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // A macOS without CoreVideo (a stripped-down container) still gets ticks.
            }
        }

        return new TimerDisplayLinkProvider();
    }

    /// <summary>Disposes the links this provider created.</summary>
    /// <param name="disposing"><see langword="true"/> from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>
    /// The system default as <see cref="System"/> has it: picked by <see cref="Select"/>, and neither it nor its link can
    /// be disposed. Separate from <see cref="System"/> so that tests get one of their own.
    /// </summary>
    internal static DisplayLinkProvider CreateProcessWide(bool isMacOS, Func<ICoreVideo> coreVideo)
    {
        var provider = Select(isMacOS, coreVideo);
        provider._isSystem = true;
        provider.GetDisplayLink().IsProcessWide = true;
        return provider;
    }

    private static DisplayLinkProvider CreateSystem() => CreateProcessWide(OperatingSystem.IsMacOS(), NativeCoreVideo);

    private static ICoreVideo NativeCoreVideo() =>
        OperatingSystem.IsMacOS() ? CoreVideoNative.Instance : throw new PlatformNotSupportedException();
}
