using System.Globalization;
using ImageKit.Display.MacOS.Interop;

namespace ImageKit.Display.MacOS;

/// <summary>
/// The display link of <see cref="CVDisplayLinkProvider"/>: a <see cref="DisplayLink"/> over one <c>CVDisplayLinkRef</c>.
/// </summary>
/// <remarks>
/// <para>
/// Ownership: this link owns its <see cref="CoreVideoLinkHandle"/> (the native link and the registration its callback context names); the
/// hub CoreVideo calls into holds this link weakly, so an undisposed link nobody references is collected and its handle's
/// finalizer stops and releases the native link.
/// </para>
/// <para>
/// Lock discipline: the callback takes no lock at all on the way to <see cref="DisplayLink"/>'s dispatch, whose own lock
/// is never held across <see cref="StopCore"/>. <see cref="StopCore"/> runs under the base class's transition lock, which
/// the callback never takes (a state change requested from a tick is applied from the thread pool), so
/// <c>CVDisplayLinkStop</c> waiting for a callback in flight cannot deadlock.
/// </para>
/// </remarks>
internal sealed class CoreVideoDisplayLink : DisplayLink
{
    private const int KCVReturnSuccess = 0;
    private static readonly long s_defaultPeriodTicks = TimeSpan.TicksPerSecond / 60;

    private readonly ICoreVideo _coreVideo;
    private readonly CoreVideoCallbackHub _hub;
    private readonly CoreVideoLinkHandle _handle;
    private long _lastPeriodTicks = s_defaultPeriodTicks;

    private CoreVideoDisplayLink(ICoreVideo coreVideo, CoreVideoCallbackHub hub, CoreVideoLinkHandle handle)
    {
        _coreVideo = coreVideo;
        _hub = hub;
        _handle = handle;
        hub.Attach(this);
    }

    /// <summary>
    /// The refresh period CoreVideo measures (<c>CVDisplayLinkGetActualOutputVideoRefreshPeriod</c>) once the link has
    /// run a little, else the display's nominal one, else 1/60 s; after disposal, and inside a tick, the last one known.
    /// </summary>
    public override TimeSpan RefreshPeriod
    {
        get
        {
            // Inside a callback CoreVideo is not asked: it may hold a lock of its own around the callback.
            if (!_hub.IsCallbackThread && TryAddRef(out var displayLink))
            {
                try
                {
                    var ticks = QueryPeriodTicks(displayLink);
                    if (ticks > 0)
                    {
                        Volatile.Write(ref _lastPeriodTicks, ticks);
                    }
                }
                finally
                {
                    _handle.DangerousRelease();
                }
            }

            return LastKnownRefreshPeriod;
        }
    }

    /// <summary>The period <see cref="RefreshPeriod"/> last found, without asking CoreVideo (1/60 s before the first query).</summary>
    internal TimeSpan LastKnownRefreshPeriod => TimeSpan.FromTicks(Volatile.Read(ref _lastPeriodTicks));

    /// <summary>Whether <see cref="DisplayLink.Dispose()"/> has been called.</summary>
    public bool Disposed => IsDisposed;

    /// <summary>The callback hub (for tests: its state and in-flight count).</summary>
    internal CoreVideoCallbackHub Hub => _hub;

    /// <summary>Creates a link for the active displays, or returns <see langword="null"/> with CoreVideo's status.</summary>
    public static CoreVideoDisplayLink? TryCreate(ICoreVideo coreVideo, out int status)
    {
        var hub = new CoreVideoCallbackHub(coreVideo);
        var handle = CoreVideoLinkHandle.TryCreate(coreVideo, hub, out status);
        return handle is null ? null : new CoreVideoDisplayLink(coreVideo, hub, handle);
    }

    /// <summary>Delivers one tick from the CoreVideo callback.</summary>
    internal void Deliver(DisplayLinkTick tick) => DispatchTick(tick);

    /// <inheritdoc/>
    protected override void StartCore()
    {
        if (!TryAddRef(out var displayLink))
        {
            return;
        }

        try
        {
            _hub.StartDelivering();
            var status = _coreVideo.Start(displayLink);
            if (status != KCVReturnSuccess)
            {
                _hub.StopDelivering();
                throw new DisplayLinkException(
                    string.Create(CultureInfo.InvariantCulture, $"CVDisplayLinkStart failed with CVReturn {status}."))
                {
                    NativeErrorCode = status,
                };
            }
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    protected override void StopCore()
    {
        // Deliver nothing from here on, even from a callback CoreVideo makes after CVDisplayLinkStop returned; then wait
        // for one already inside ImageKit, so that no tick is in flight when this returns.
        _hub.StopDelivering();
        if (TryAddRef(out var displayLink))
        {
            try
            {
                _ = _coreVideo.Stop(displayLink);
            }
            catch
            {
                // The link still runs: its callbacks deliver again (unless Dispose detached the hub), so the base class,
                // which still counts it running, retries the stop at the next tick that finds nobody subscribed. Left
                // idle, the hub would swallow every tick and nothing would ever retry.
                _hub.StartDelivering();
                throw;
            }
            finally
            {
                _handle.DangerousRelease();
            }
        }

        _hub.WaitUntilIdle();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // Detach first: a callback that starts from now on delivers nothing, whatever the stop below is waiting for.
        _hub.Detach();
        try
        {
            base.Dispose(disposing);
        }
        finally
        {
            // Every caller, not only the first, returns only once no callback is delivering a tick (except its own, when
            // it is called from a tick); then the handle stops the link if the base class could not (a Dispose from
            // inside a tick, or a stop that threw: the handle tries once more), unregisters the callback context and
            // releases the link exactly once. A failed stop is still thrown to the caller, after all that.
            _hub.WaitUntilIdle();
            _handle.Dispose();
        }
    }

    private long QueryPeriodTicks(IntPtr displayLink)
    {
        var actual = _coreVideo.GetActualOutputVideoRefreshPeriod(displayLink);
        if (actual > 0 && double.IsFinite(actual))
        {
            return (long)(actual * TimeSpan.TicksPerSecond);
        }

        var nominal = _coreVideo.GetNominalOutputVideoRefreshPeriod(displayLink);
        return (nominal.Flags & CVTime.IsIndefinite) == 0 && nominal.TimeScale > 0 && nominal.TimeValue > 0
            ? (long)((Int128)nominal.TimeValue * TimeSpan.TicksPerSecond / nominal.TimeScale)
            : s_defaultPeriodTicks;
    }

    // A disposed handle refuses new users; StopCore and RefreshPeriod then have nothing left to do.
    private bool TryAddRef(out IntPtr displayLink)
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
        }

        displayLink = added ? _handle.DangerousGetHandle() : IntPtr.Zero;
        return added;
    }
}
