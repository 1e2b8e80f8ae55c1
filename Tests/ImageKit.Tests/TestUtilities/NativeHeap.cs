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

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
