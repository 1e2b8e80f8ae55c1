using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ImageKit.Tests.Packaging;

/// <summary>Runs the dotnet CLI (or a program it installed) as a child process, with a timeout and captured output.</summary>
internal static class DotnetCli
{
    /// <summary>The dotnet executable that runs this test run: the one MSBuild and the test platform point at, else PATH's.</summary>
    public static string Executable =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The dotnet root of the running runtime, for the apphost of an installed tool.</summary>
    public static string Root => Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    /// <summary>The folder of ImageKit.sln above the test binaries; inconclusive where the tests run without the source tree.</summary>
    public static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ImageKit.sln")))
            {
                return directory.FullName;
            }
        }

        throw new AssertInconclusiveException($"ImageKit.sln not found above {AppContext.BaseDirectory}: the test needs the source tree.");
    }

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var start = StartInfo(fileName, arguments, environment);
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            var command = $"{fileName} {string.Join(' ', start.ArgumentList)}";
            throw new TimeoutException($"'{command}' did not finish within {timeout.TotalSeconds:0} s.\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr, stopwatch.Elapsed, $"{fileName} {string.Join(' ', start.ArgumentList)}");
    }

    /// <summary>How a child is started: output captured, MSBuild's variables left out, <paramref name="environment"/> added.</summary>
    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host inherits variables from the MSBuild that launched it (MSBuildExtensionsPath, MSBUILD*, …); a child
        // dotnet must find its own SDK, not the parent's build session.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("_MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }
}

internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, string Command)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"$ {Command}");
        text.AppendLine(CultureInfo.InvariantCulture, $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s");
        text.AppendLine("stdout:").AppendLine(Stdout).AppendLine("stderr:").AppendLine(Stderr);
        return text.ToString();
    }
}
