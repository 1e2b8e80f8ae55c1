using System.Runtime.InteropServices;

namespace ImageKit.Tests.TestUtilities;

/// <summary>The C heap, for memory measurements: freed <c>malloc</c> memory stays resident until the heap is trimmed.</summary>
internal static partial class NativeHeap
{
    /// <summary>
    /// Gives the C heap's free memory back to the OS where the C library can (glibc's <c>malloc_trim</c>), so resident
    /// memory measures what is allocated rather than what the allocator keeps for reuse. Does nothing elsewhere.
    /// </summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl, or no libc by that name): nothing to trim through this call.
        }
    }

    /// <summary>
    /// The bytes the C heap has handed out and not yet had back, over all arenas and large mapped blocks (glibc's
    /// <c>mallinfo2</c>: <c>uordblks + hblkhd</c>); <see langword="null"/> where the C library cannot tell. Unlike
    /// resident memory it does not move with what the allocator or the GC keep for reuse, so a leak shows in it exactly.
    /// </summary>
    public static long? AllocatedBytes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var info = MallInfo2();
            return checked((long)(info.Uordblks + info.Hblkhd));
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallocInfo MallInfo2();

    /// <summary>glibc's <c>struct mallinfo2</c>: ten <c>size_t</c> fields in this order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallocInfo
    {
        public readonly nuint Arena;
        public readonly nuint Ordblks;
        public readonly nuint Smblks;
        public readonly nuint Hblks;
        public readonly nuint Hblkhd;
        public readonly nuint Usmblks;
        public readonly nuint Fsmblks;
        public readonly nuint Uordblks;
        public readonly nuint Fordblks;
        public readonly nuint Keepcost;
    }
}
