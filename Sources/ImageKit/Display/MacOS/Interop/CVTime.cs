using System.Runtime.InteropServices;

namespace ImageKit.Display.MacOS.Interop;

/// <summary>CoreVideo's <c>CVTime</c> (CVBase.h), 16 bytes: a rational time, returned by value.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CVTime
{
    /// <summary><c>kCVTimeIsIndefinite</c>: the value is unknown.</summary>
    public const int IsIndefinite = 1 << 0;

    public long TimeValue;
    public int TimeScale;
    public int Flags;
}
