using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using ImageKit.Display.MacOS.Interop;

namespace ImageKit.Display.MacOS;

/// <summary>
/// The display link of macOS: a CoreVideo <c>CVDisplayLink</c> for the active displays, ticking on CoreVideo's own
/// high-priority thread at the display's refresh rate while it has subscribers.
/// <see cref="DisplayLinkProvider.System"/> picks it on a Mac with a display.
/// </summary>
/// <remarks>
/// <para>
/// <b>Lifetime.</b> The native link is created with the provider and released exactly once: by
/// <see cref="DisplayLinkProvider.Dispose()"/> (which stops it first, waits for a callback in flight, and returns only
/// when no tick can be delivered any more) or, if the provider is dropped undisposed and nothing else references its link,
/// by a finalizer. CoreVideo's callback context is a number, never used twice, that names a small hub holding the link
/// weakly; it is unregistered once the link is stopped and no callback is running, before the link is released, so a
/// callback CoreVideo makes late finds nothing.
/// </para>
/// <para>
/// <b>Callbacks.</b> Every callback runs inside its own Objective-C autorelease pool and never lets an exception reach
/// CoreVideo. <see cref="DisplayLinkTick.Timestamp"/> is the callback's "now" and
/// <see cref="DisplayLinkTick.TargetTimestamp"/> its output time (when the frame will be on screen), both in host time —
/// the clock <see cref="Stopwatch"/> reads on macOS.
/// </para>
/// <para>
/// CVDisplayLink is deprecated in the macOS 15 SDK in favour of <c>NSView.displayLink</c>, which needs AppKit and belongs
/// in the Mac package; CVDisplayLink still works on every macOS and needs no UI.
/// </para>
/// </remarks>
public sealed class CVDisplayLinkProvider : DisplayLinkProvider
{
    private readonly CoreVideoDisplayLink _link;

    /// <summary>Creates the display link for the active displays.</summary>
    /// <exception cref="PlatformNotSupportedException">Not running on macOS.</exception>
    /// <exception cref="DisplayLinkException">CoreVideo could not create the link (for example, there is no display).</exception>
    [SupportedOSPlatform("macos")]
    public CVDisplayLinkProvider()
        : this(CoreVideoOnThisPlatform())
    {
    }

    /// <summary>Creates the link through <paramref name="coreVideo"/>: the native libraries, or a fake in tests.</summary>
    internal CVDisplayLinkProvider(ICoreVideo coreVideo)
    {
        _link = CoreVideoDisplayLink.TryCreate(coreVideo, out var status)
            ?? throw new DisplayLinkException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"CoreVideo could not create a display link for the active displays (CVReturn {status}); is there a display?"))
            {
                NativeErrorCode = status,
            };
    }

    private CVDisplayLinkProvider(CoreVideoDisplayLink link) => _link = link;

    /// <inheritdoc/>
    public override DisplayLink GetDisplayLink()
    {
        ObjectDisposedException.ThrowIf(_link.Disposed, this);
        return _link;
    }

    /// <summary>The provider, or <see langword="null"/> when CoreVideo cannot create a link (no display).</summary>
    internal static CVDisplayLinkProvider? TryCreate(ICoreVideo coreVideo) =>
        CoreVideoDisplayLink.TryCreate(coreVideo, out _) is { } link ? new CVDisplayLinkProvider(link) : null;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _link.Dispose();
        }

        base.Dispose(disposing);
    }

    [SupportedOSPlatform("macos")]
    private static CoreVideoNative CoreVideoOnThisPlatform() =>
        OperatingSystem.IsMacOS()
            ? CoreVideoNative.Instance
            : throw new PlatformNotSupportedException("CVDisplayLink exists only on macOS; use TimerDisplayLinkProvider elsewhere.");
}
