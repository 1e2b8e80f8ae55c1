namespace ImageKit.Display.MacOS.Interop;

/// <summary>
/// Every native call the CVDisplayLink backend makes: CoreVideo and the two libobjc autorelease-pool functions. The
/// backend talks to nothing else, so tests on any OS run it against a fake that records the calls and plays CoreVideo's
/// thread; <see cref="CoreVideoNative"/> forwards to the real libraries. Methods mirror the C functions one to one and
/// return their raw <c>CVReturn</c> (0 = <c>kCVReturnSuccess</c>).
/// </summary>
internal unsafe interface ICoreVideo
{
    /// <summary><c>CVDisplayLinkCreateWithActiveCGDisplays</c>: on success the caller owns one reference to the link.</summary>
    int CreateWithActiveCGDisplays(out IntPtr displayLink);

    /// <summary><c>CVDisplayLinkSetOutputCallback</c>.</summary>
    int SetOutputCallback(
        IntPtr displayLink,
        delegate* unmanaged<IntPtr, CVTimeStamp*, CVTimeStamp*, ulong, ulong*, IntPtr, int> callback,
        IntPtr userInfo);

    /// <summary><c>CVDisplayLinkStart</c>.</summary>
    int Start(IntPtr displayLink);

    /// <summary>
    /// <c>CVDisplayLinkStop</c>: asks the link's thread to stop. It does not promise to wait for a callback in flight,
    /// nor that none starts after it returns (or after the release), so callers wait for their own callbacks.
    /// </summary>
    int Stop(IntPtr displayLink);

    /// <summary><c>CVDisplayLinkIsRunning</c>.</summary>
    bool IsRunning(IntPtr displayLink);

    /// <summary><c>CVDisplayLinkRelease</c>: gives up the reference taken by the create call.</summary>
    void Release(IntPtr displayLink);

    /// <summary><c>CVDisplayLinkGetNominalOutputVideoRefreshPeriod</c>.</summary>
    CVTime GetNominalOutputVideoRefreshPeriod(IntPtr displayLink);

    /// <summary><c>CVDisplayLinkGetActualOutputVideoRefreshPeriod</c>, in seconds; 0 until the link has run a little.</summary>
    double GetActualOutputVideoRefreshPeriod(IntPtr displayLink);

    /// <summary><c>CVGetHostClockFrequency</c>: host-time units per second (what <see cref="CVTimeStamp.HostTime"/> counts).</summary>
    double GetHostClockFrequency();

    /// <summary><c>objc_autoreleasePoolPush</c>.</summary>
    IntPtr AutoreleasePoolPush();

    /// <summary><c>objc_autoreleasePoolPop</c>.</summary>
    void AutoreleasePoolPop(IntPtr pool);
}
