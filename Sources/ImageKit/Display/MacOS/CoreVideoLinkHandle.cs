using System.Runtime.InteropServices;
using ImageKit.Display.MacOS.Interop;

namespace ImageKit.Display.MacOS;

/// <summary>
/// The one owner of a <c>CVDisplayLinkRef</c> and of the registration CoreVideo's callback context names. As the
/// smallest owner of native state it is the only type here with a finalizer (SafeHandle's), so a link that was never
/// disposed is still stopped and released once nothing references it; SafeHandle's reference count also makes the
/// release happen exactly once, after the last <c>DangerousAddRef</c> user is done, however Dispose and the finalizer race.
/// </summary>
/// <remarks>
/// Teardown order: detach the hub (callbacks deliver nothing), stop the link if it still runs, wait until no callback
/// is inside ImageKit (<c>CVDisplayLinkStop</c> does not wait for one in flight on CoreVideo's thread), unregister the
/// context, and only then release the link. CoreVideo may still call once more after that: the context then names no
/// hub, and is never used again, so the call does nothing. What CoreVideo's own thread does with a released link is
/// its business; projects that met crashes there keep one link per display for the process (not done here). A stop that
/// throws during teardown leaves the link unreleased (its context withdrawn) rather than released while it runs.
/// </remarks>
internal sealed class CoreVideoLinkHandle : SafeHandle
{
    private const int KCVReturnSuccess = 0;
    private const int KCVReturnError = -6660;

    private readonly ICoreVideo _coreVideo;
    private readonly CoreVideoCallbackHub _hub;
    private nint _context;

    private CoreVideoLinkHandle(ICoreVideo coreVideo, CoreVideoCallbackHub hub)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        _coreVideo = coreVideo;
        _hub = hub;
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>
    /// Creates a link for the active displays whose callback reaches <paramref name="hub"/>, or returns
    /// <see langword="null"/> with CoreVideo's status; a failure releases whatever was created, exactly once.
    /// </summary>
    public static unsafe CoreVideoLinkHandle? TryCreate(ICoreVideo coreVideo, CoreVideoCallbackHub hub, out int status)
    {
        var owner = new CoreVideoLinkHandle(coreVideo, hub);
        status = coreVideo.CreateWithActiveCGDisplays(out var displayLink);

        // A failed create hands out no reference (Core Foundation's create rule), so there is nothing to release.
        if (status != KCVReturnSuccess || displayLink == IntPtr.Zero)
        {
            status = status != KCVReturnSuccess ? status : KCVReturnError;
            owner.SetHandleAsInvalid();
            return null;
        }

        // From here on every path releases the link through this owner.
        // (A throw counts: a P/Invoke whose entry point is missing throws, and the caller falls back to the timer.)
        owner.SetHandle(displayLink);
        try
        {
            hub.Bind(displayLink);
            owner._context = CoreVideoCallbackHub.Register(hub);
            status = coreVideo.SetOutputCallback(displayLink, CoreVideoCallbackHub.Callback, owner._context);
        }
        catch
        {
            owner.Dispose();
            throw;
        }

        if (status != KCVReturnSuccess)
        {
            owner.Dispose();
            return null;
        }

        return owner;
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        _hub.Detach();

        // The last reference can be dropped inside a callback (a target reading RefreshPeriod while another thread
        // disposes): stopping there would wait for the very callback doing it, so the teardown moves to the thread pool.
        if (_hub.IsCallbackThread)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static owner => owner.Teardown(), this, preferLocal: false);
        }
        else
        {
            Teardown();
        }

        return true;
    }

    // Runs from Dispose, the finalizer or the thread pool: nothing may be thrown from here (on the finalizer thread or
    // the pool it would end the process).
    private void Teardown()
    {
        var displayLink = handle;
        var stopped = true;
        if (MayBeRunning(displayLink))
        {
            try
            {
                _ = _coreVideo.Stop(displayLink);
            }
#pragma warning disable CA1031 // A stop that threw here has no caller to reach; the link is then left unreleased (below).
            catch (Exception)
#pragma warning restore CA1031
            {
                stopped = false;
            }
        }

        // Before the release: a callback still inside ImageKit may be using the link (a target reading RefreshPeriod).
        // Unregistered whatever the stop did, so that no callback reaches the hub any more.
        if (_context != 0)
        {
            _hub.WaitUntilIdle();
            CoreVideoCallbackHub.Unregister(_context);
            _context = 0;
        }

        // A link that could not be stopped is left to CoreVideo rather than released while it runs (what CoreVideo's
        // thread does with a released running link is unknown here): it calls back into nothing of the app's.
        if (stopped)
        {
            _coreVideo.Release(displayLink);
        }
    }

    // CVDisplayLinkIsRunning failing (a P/Invoke that throws, as a stop may) says nothing about the link: it is taken for
    // running, and stopped, which does nothing to a stopped link. Letting it through would end the teardown before the
    // context is withdrawn and the link released, and end the process from the finalizer or the pool.
    private bool MayBeRunning(IntPtr displayLink)
    {
        try
        {
            return _coreVideo.IsRunning(displayLink);
        }
#pragma warning disable CA1031 // No caller to reach (see Teardown); the stop that follows tells whether the link can be released.
        catch (Exception)
#pragma warning restore CA1031
        {
            return true;
        }
    }
}
