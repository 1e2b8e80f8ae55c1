using System.Diagnostics;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// A small tmpfs mounted for one test, unmounted on dispose: a real filesystem that fills up or turns read-only on demand.
/// Needs root on Linux with permission to mount; <see cref="TryMountAsync"/> returns <see langword="null"/> elsewhere.
/// </summary>
internal sealed class TmpfsMount : IAsyncDisposable
{
    private TmpfsMount(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (as <c>mount -o size=</c> takes it: "512k") on the folder <paramref name="path"/>.</summary>
    public static async Task<TmpfsMount?> TryMountAsync(string path, string size) =>
        OperatingSystem.IsLinux() && Environment.UserName == "root" && await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path)
            ? new TmpfsMount(path)
            : null;

    /// <summary>Makes the mounted filesystem read-only (<c>mount -o remount,ro</c>), as a volume mounted read-only is.</summary>
    public async Task RemountReadOnlyAsync()
    {
        if (!await RunAsync("mount", "-o", "remount,ro", Path))
        {
            throw new InvalidOperationException($"could not remount {Path} read-only");
        }
    }

    public async ValueTask DisposeAsync() => await RunAsync("umount", Path);

    private static async Task<bool> RunAsync(string program, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            await process.WaitForExitAsync();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
