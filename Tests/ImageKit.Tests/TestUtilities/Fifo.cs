using System.Diagnostics;

namespace ImageKit.Tests.TestUtilities;

/// <summary>A named pipe (FIFO) in a folder, made with <c>mkfifo</c>: a file that has no length and blocks its reader.</summary>
internal static class Fifo
{
    public static string Create(string directory, string name = "pipe")
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("named pipes in the file system are a Unix feature");
        }

        var path = Path.Combine(directory, name);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.AreEqual(0, mkfifo.ExitCode, "mkfifo");
        return path;
    }

    /// <summary>Opens the FIFO for writing (which waits for a reader), writes <paramref name="data"/> in pieces and closes it.</summary>
    public static Task WriteAsync(string path, byte[] data, int chunkBytes = 7_000) => Task.Run(() =>
    {
        using var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        for (var offset = 0; offset < data.Length; offset += chunkBytes)
        {
            writer.Write(data, offset, Math.Min(chunkBytes, data.Length - offset));
        }
    });
}
