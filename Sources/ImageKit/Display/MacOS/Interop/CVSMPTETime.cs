using System.Runtime.InteropServices;

namespace ImageKit.Display.MacOS.Interop;

/// <summary>CoreVideo's <c>CVSMPTETime</c> (CVBase.h), 24 bytes, 4-byte aligned.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CVSMPTETime
{
    public short Subframes;
    public short SubframeDivisor;
    public uint Counter;
    public uint Type;
    public uint Flags;
    public short Hours;
    public short Minutes;
    public short Seconds;
    public short Frames;
}
