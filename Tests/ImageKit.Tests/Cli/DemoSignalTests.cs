using System.Diagnostics;
using System.Globalization;
using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// <c>imagekit demo</c> in its own process, interrupted by a real signal once its work has begun: it exits as the CLI
/// does for a cancellation and its temporary work folder goes with it, while folders the user gave stay.
/// </summary>
[TestClass]
public sealed class DemoSignalTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("INT")]
    [DataRow("TERM")]
    [Timeout(150_000, CooperativeCancellation = true)]
    public async Task RealProcess_DemoInterruptedBySignalOnceItsWorkFolderFills_Exits130AndLeavesTheTemporaryFolderEmpty(string signal)
    {
        using var temp = new TempFolder("imagekit-demo-tmpdir-");

        var run = await RunInterruptedAsync(temp.Path, [], signal, () => FilledWorkFolder(temp.Path));

        Assert.AreEqual(130, run.ExitCode, run.ToString());
        Assert.AreEqual("imagekit: cancelled", run.Stderr.TrimEnd('\n'), run.ToString());
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temp.Path), run.ToString());
    }

    [TestMethod]
    [Timeout(150_000, CooperativeCancellation = true)]
    public async Task RealProcess_DemoWithACacheDirInterruptedBySigint_KeepsTheGivenCacheFolder()
    {
        using var temp = new TempFolder("imagekit-demo-tmpdir-");
        using var users = new TempFolder("imagekit-demo-users-");
        var cache = users.Combine("cache");

        var run = await RunInterruptedAsync(temp.Path, ["--cache-dir", cache], "INT", () => File.Exists(Path.Combine(cache, "index.sqlite")) ? cache : null);

        Assert.AreEqual(130, run.ExitCode, run.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(cache, "index.sqlite")), run.ToString());
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temp.Path), "the work folder that was only for the contact sheet went: " + run);
    }

    /// <summary>
    /// Starts the demo with <c>TMPDIR</c> = <paramref name="tmpdir"/>, waits (polling) until <paramref name="started"/>
    /// names a folder, sends the signal, and waits for the exit.
    /// </summary>
    private async Task<ProcessResult> RunInterruptedAsync(string tmpdir, string[] options, string signal, Func<string?> started)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("POSIX signals");
        }

        var cli = Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll");
        string[] arguments = [cli, "demo", .. options];
        var fileName = DotnetCli.Executable;

        // A test host started in the background of a shell without job control inherits SIGINT ignored, and so would the
        // demo; GNU env gives it the default disposition back (the runtime then installs its own handler as usual).
        if (SigintIgnored())
        {
            arguments = ["--default-signal=INT", fileName, .. arguments];
            fileName = "env";
        }

        var start = DotnetCli.StartInfo(fileName, arguments, new Dictionary<string, string> { ["TMPDIR"] = tmpdir });
        var command = $"{fileName} {string.Join(' ', arguments)}";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the demo");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.CancellationToken);
        try
        {
            string? folder = null;
            while (folder is null && !process.HasExited && watch.Elapsed < s_patience)
            {
                await Task.Delay(20, TestContext.CancellationToken);
                folder = started();
            }

            if (folder is null || process.HasExited)
            {
                if (!process.HasExited)
                {
                    Assert.Fail($"the demo did not start filling its folder within {s_patience.TotalSeconds:0} s");
                }

                await process.WaitForExitAsync(TestContext.CancellationToken);
                var early = new ProcessResult(process.ExitCode, await stdout, await stderr, watch.Elapsed, command);
                if (early.ExitCode == 0)
                {
                    Assert.Inconclusive("the demo finished before the poll saw it start; nothing to conclude:\n" + early);
                }

                Assert.Fail("the demo ended before it filled its folder:\n" + early);
            }

            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(TestContext.CancellationToken);
                Assert.AreEqual(0, kill.ExitCode, "kill -" + signal);
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
            limit.CancelAfter(s_patience);
            await process.WaitForExitAsync(limit.Token);
            return new ProcessResult(process.ExitCode, await stdout, await stderr, watch.Elapsed, command);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The demo's work folder under <paramref name="tmpdir"/> once a file is in it, else null.</summary>
    private static string? FilledWorkFolder(string tmpdir)
    {
        try
        {
            return Directory.EnumerateDirectories(tmpdir, "imagekit-demo-*")
                .FirstOrDefault(static d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Any());
        }
        catch (IOException)
        {
            // Being created or removed right now: look again.
            return null;
        }
    }

    /// <summary>Whether this process ignores SIGINT, which children inherit (Linux: the SigIgn mask in /proc/self/status).</summary>
    private static bool SigintIgnored()
    {
        const string prefix = "SigIgn:";
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var line = File.ReadLines("/proc/self/status").FirstOrDefault(static l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is not null
            && ulong.TryParse(line.AsSpan(prefix.Length).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask)
            && (mask & (1UL << (2 - 1))) != 0;
    }
}
