using System.Diagnostics;
using System.Reflection;

namespace ImageKit.Benchmarks;

/// <summary>Runs this benchmark program again in a child process with extra environment variables (runtime knobs that must be set before start-up).</summary>
internal static class SelfProcess
{
    public static int RunAgain(string[] args, params (string Name, string Value)[] environment)
    {
        var start = StartInfo(args);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {start.FileName}");
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>How to start this program with <paramref name="args"/>: its apphost, or <c>dotnet</c> with its assembly.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}
