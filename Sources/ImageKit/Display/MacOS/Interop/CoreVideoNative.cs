using System.Runtime.Versioning;

namespace ImageKit.Display.MacOS.Interop;

/// <summary>The real <see cref="ICoreVideo"/>: each method is one P/Invoke.</summary>
[SupportedOSPlatform("macos")]
internal sealed unsafe class CoreVideoNative : ICoreVideo
{
    private CoreVideoNative()
    {
    }

    /// <summary>The one instance (it has no state).</summary>
    public static CoreVideoNative Instance { get; } = new();

    public int CreateWithActiveCGDisplays(out IntPtr displayLink) =>
        CoreVideoInterop.CVDisplayLinkCreateWithActiveCGDisplays(out displayLink);

    public int SetOutputCallback(
        IntPtr displayLink,
        delegate* unmanaged<IntPtr, CVTimeStamp*, CVTimeStamp*, ulong, ulong*, IntPtr, int> callback,
        IntPtr userInfo) =>
        CoreVideoInterop.CVDisplayLinkSetOutputCallback(displayLink, callback, userInfo);

    public int Start(IntPtr displayLink) => CoreVideoInterop.CVDisplayLinkStart(displayLink);

    public int Stop(IntPtr displayLink) => CoreVideoInterop.CVDisplayLinkStop(displayLink);

    public bool IsRunning(IntPtr displayLink) => CoreVideoInterop.CVDisplayLinkIsRunning(displayLink);

    public void Release(IntPtr displayLink) => CoreVideoInterop.CVDisplayLinkRelease(displayLink);

    public CVTime GetNominalOutputVideoRefreshPeriod(IntPtr displayLink) =>
        CoreVideoInterop.CVDisplayLinkGetNominalOutputVideoRefreshPeriod(displayLink);

    public double GetActualOutputVideoRefreshPeriod(IntPtr displayLink) =>
        CoreVideoInterop.CVDisplayLinkGetActualOutputVideoRefreshPeriod(displayLink);

    public double GetHostClockFrequency() => CoreVideoInterop.CVGetHostClockFrequency();

    public IntPtr AutoreleasePoolPush() => CoreVideoInterop.objc_autoreleasePoolPush();

    public void AutoreleasePoolPop(IntPtr pool) => CoreVideoInterop.objc_autoreleasePoolPop(pool);
}
