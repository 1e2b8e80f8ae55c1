using System.Runtime.InteropServices;

namespace ImageKit.Display.MacOS.Interop;

/// <summary>
/// CoreVideo's <c>CVTimeStamp</c> (CVBase.h), 80 bytes: field for field, in order, with C alignment — the 24-byte
/// <see cref="CVSMPTETime"/> sits at offset 40, so <see cref="Flags"/> lands on 64 with no padding.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CVTimeStamp
{
    /// <summary><c>kCVTimeStampVideoTimeValid</c>: <see cref="VideoTime"/> is meaningful.</summary>
    public const ulong VideoTimeValid = 1UL << 0;

    /// <summary><c>kCVTimeStampHostTimeValid</c>: <see cref="HostTime"/> is meaningful.</summary>
    public const ulong HostTimeValid = 1UL << 1;

    public uint Version;
    public int VideoTimeScale;
    public long VideoTime;
    public ulong HostTime;
    public double RateScalar;
    public long VideoRefreshPeriod;
    public CVSMPTETime SmpteTime;
    public ulong Flags;
    public ulong Reserved;
}
