using System.Diagnostics;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// Makes a folder refuse new entries, or a file refuse writes, for real, and undoes it on dispose: <c>chmod a-w</c> for an
/// ordinary user; for root, whom permissions do not stop, the immutable attribute (<c>chattr +i</c>, Linux). Checks that
/// creating an entry (or opening the file for writing) is then actually denied.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class WriteProtection : IDisposable
{
    private readonly string _path;
    private readonly UnixFileMode _mode;
    private readonly bool _immutable;

    private WriteProtection(string path, UnixFileMode mode, bool immutable)
    {
        _path = path;
        _mode = mode;
        _immutable = immutable;
    }

    /// <summary>Protects the folder or file <paramref name="path"/>, or returns <see langword="null"/> when this machine cannot make it refuse writes.</summary>
    public static WriteProtection? TryApply(string path)
    {
        var mode = File.GetUnixFileMode(path);
        var protection = Environment.UserName == "root"
            ? (OperatingSystem.IsLinux() && Run("chattr", "+i", path) ? new WriteProtection(path, mode, immutable: true) : null)
            : Chmod(path, mode);
        if (protection is not null && !protection.Denies())
        {
            protection.Dispose();
            return null;
        }

        return protection;
    }

    public void Dispose()
    {
        if (_immutable)
        {
            Run("chattr", "-i", _path);
        }
        else
        {
            File.SetUnixFileMode(_path, _mode);
        }
    }

    private static WriteProtection Chmod(string path, UnixFileMode mode)
    {
        File.SetUnixFileMode(path, mode & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        return new WriteProtection(path, mode, immutable: false);
    }

    private bool Denies()
    {
        if (File.Exists(_path))
        {
            try
            {
                using (new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                {
                }

                return false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return true;
            }
        }

        var probe = Path.Combine(_path, "probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static bool Run(string program, string flag, string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, [flag, path]) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (process is null)
            {
                return false;
            }

            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such program
        }
    }
}
