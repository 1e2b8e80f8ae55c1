using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ImageKit.Display.MacOS.Interop;

/// <summary>
/// The P/Invoke declarations, by absolute path as Apple's frameworks are always there (and never found through a library
/// search path). They compile on every OS; only calling them needs macOS.
/// </summary>
[SupportedOSPlatform("macos")]
internal static unsafe partial class CoreVideoInterop
{
    private const string CoreVideoLibrary = "/System/Library/Frameworks/CoreVideo.framework/CoreVideo";
    private const string ObjCLibrary = "/usr/lib/libobjc.A.dylib";

    [LibraryImport(CoreVideoLibrary)]
    public static partial int CVDisplayLinkCreateWithActiveCGDisplays(out IntPtr displayLinkOut);

    [LibraryImport(CoreVideoLibrary)]
    public static partial int CVDisplayLinkSetOutputCallback(
        IntPtr displayLink,
        delegate* unmanaged<IntPtr, CVTimeStamp*, CVTimeStamp*, ulong, ulong*, IntPtr, int> callback,
        IntPtr userInfo);

    [LibraryImport(CoreVideoLibrary)]
    public static partial int CVDisplayLinkStart(IntPtr displayLink);

    [LibraryImport(CoreVideoLibrary)]
    public static partial int CVDisplayLinkStop(IntPtr displayLink);

    // Boolean in CoreFoundation is an unsigned char.
    [LibraryImport(CoreVideoLibrary)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool CVDisplayLinkIsRunning(IntPtr displayLink);

    [LibraryImport(CoreVideoLibrary)]
    public static partial void CVDisplayLinkRelease(IntPtr displayLink);

    [LibraryImport(CoreVideoLibrary)]
    public static partial CVTime CVDisplayLinkGetNominalOutputVideoRefreshPeriod(IntPtr displayLink);

    [LibraryImport(CoreVideoLibrary)]
    public static partial double CVDisplayLinkGetActualOutputVideoRefreshPeriod(IntPtr displayLink);

    [LibraryImport(CoreVideoLibrary)]
    public static partial double CVGetHostClockFrequency();

    [LibraryImport(ObjCLibrary)]
    public static partial IntPtr objc_autoreleasePoolPush();

    [LibraryImport(ObjCLibrary)]
    public static partial void objc_autoreleasePoolPop(IntPtr pool);
}
