using System.Text.RegularExpressions;
using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Permissions;

/// <summary>
/// The tests of what ImageKit does when file permissions refuse it (category <see cref="Category"/>) are inconclusive as
/// root, whom permissions do not stop, and CI runs as root. Run as root, this test runs them again, in a test host of
/// their own, as the unprivileged user <c>nobody</c>, so that they are really exercised there too. (Run as that user,
/// they found a sweep that threw on a folder it could not list and a CLI command that crashed on one.)
/// </summary>
[TestClass]
public sealed partial class UnprivilegedUserTests
{
    /// <summary>The category of the tests that need a user whom file permissions stop.</summary>
    public const string Category = "Permissions";

    private const int Nobody = 65534;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task PermissionTests_RunAsAnUnprivilegedUser_AllPass()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Assert.Inconclusive("run as root only: as any other user the permission tests have run for real in this run");
            return;
        }

        var tests = Path.Combine(AppContext.BaseDirectory, "ImageKit.Tests.dll");
        using var home = new TempFolder();
        var temp = Directory.CreateDirectory(Path.Combine(home.Path, "tmp")).FullName;
        File.SetUnixFileMode(home.Path, (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(temp, (UnixFileMode)0b111_111_111);
        string[] asNobody = ["--reuid", $"{Nobody}", "--regid", $"{Nobody}", "--clear-groups", "env", $"HOME={home.Path}", $"TMPDIR={temp}", $"DOTNET_CLI_HOME={home.Path}", "DOTNET_NOLOGO=1"];

        // Where that user cannot run this .NET (installed under root's home, say) or read these tests (a private folder
        // above them), there is nothing to run: inconclusive, not failed.
        ProcessResult canRun;
        try
        {
            canRun = await DotnetCli.RunAsync("setpriv", [.. asNobody, "sh", "-c", "test -r \"$1\" && \"$2\" --list-runtimes", "sh", tests, DotnetCli.Executable], TimeSpan.FromSeconds(30), cancellationToken: TestContext.CancellationToken);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Inconclusive("setpriv (util-linux) is not installed");
            return;
        }

        if (canRun.ExitCode != 0)
        {
            Assert.Inconclusive($"the user nobody cannot read {tests} or run {DotnetCli.Executable}: {canRun}");
            return;
        }

        var run = await DotnetCli.RunAsync(
            "setpriv",
            [.. asNobody, DotnetCli.Executable, tests, "--filter", $"TestCategory={Category}", "--results-directory", Path.Combine(home.Path, "results"), "--no-ansi"],
            TimeSpan.FromSeconds(240),
            cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("0", Count(run.Stdout, "failed"), run.ToString());
        Assert.AreEqual("0", Count(run.Stdout, "skipped"), $"none inconclusive: permissions stop this user\n{run}");
        Assert.IsGreaterThanOrEqualTo(12, int.Parse(Count(run.Stdout, "succeeded"), System.Globalization.CultureInfo.InvariantCulture), run.ToString());
    }

    // A count from the test platform's summary ("  failed: 0"). The run asks for no colours, but the escapes are taken out
    // anyway: where CI is set, the platform colours its summary, and a line then starts with an escape, not a space.
    private static string Count(string summary, string what) =>
        SummaryLine().Matches(AnsiEscape().Replace(summary, string.Empty)).LastOrDefault(m => m.Groups[1].Value == what)?.Groups[2].Value ?? "missing";

    [GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"^\s*(failed|succeeded|skipped):\s*(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
