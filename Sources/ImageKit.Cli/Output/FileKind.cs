using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ImageKit.Cli.Output;

/// <summary>
/// Whether a path names something other than a regular file or a folder: a device (<c>/dev/null</c>), a FIFO, a
/// socket. .NET has no public API for the file type on Unix (<see cref="FileSystemInfo.Attributes"/> says <c>Normal</c> for
/// all of them), so this asks the runtime's own native shim, <c>SystemNative_Stat</c> (what <see cref="File"/> uses
/// underneath), whose status struct starts with its flags and its mode.
/// </summary>
internal static partial class FileKind
{
    private const int TypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int Directory = 0x4000;

    /// <summary>
    /// <see langword="true"/> for an existing path that is not a regular file or a folder (links followed);
    /// <see langword="false"/> for a regular file, a folder or nothing there; <see langword="null"/> when it cannot tell.
    /// </summary>
    public static bool? IsSpecial(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            // The struct is ~120 bytes; a larger buffer leaves room for fields a later runtime might add at its end.
            var status = new byte[512];
            if (Stat(path, ref status[0]) != 0)
            {
                return false; // nothing there (or unreachable: writing will say why)
            }

            var mode = BinaryPrimitives.ReadInt32LittleEndian(status.AsSpan(4)) & TypeMask;
            return BitConverter.IsLittleEndian ? mode is not (RegularFile or Directory) : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, ref byte output);
}
