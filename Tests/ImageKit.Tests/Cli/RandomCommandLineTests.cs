using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImageKit.Cli;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// Command lines made at random from the CLI's own words and hostile values (damaged and empty files, folders where files
/// belong, out-of-range numbers, URLs that go nowhere, a loopback server's cut-off, failing and non-image answers) keep the CLI's contract: the process never fails with an exception,
/// the exit code is 0, 1 or 2, exit 2 comes with exactly one "imagekit: " line on stderr and nothing on stdout, nothing
/// hangs, and no file the user already had is changed or removed. A fixed seed makes each run the same; set
/// <c>IMAGEKIT_CLI_FUZZ_CASES</c> and <c>IMAGEKIT_CLI_FUZZ_SEED</c> for a longer or different campaign.
/// </summary>
[TestClass]
public sealed class RandomCommandLineTests
{
    private static readonly TimeSpan s_hangLimit = TimeSpan.FromSeconds(20);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Run_RandomCommandLines_KeepTheExitCodeAndStderrContractAndTouchNoUserFile()
    {
        var cases = int.TryParse(Environment.GetEnvironmentVariable("IMAGEKIT_CLI_FUZZ_CASES"), CultureInfo.InvariantCulture, out var n) ? n : 220;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("IMAGEKIT_CLI_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20261203;
        using var folder = new TempFolder("imagekit-cli-fuzz-");
        await using var server = await ImageKit.Tests.Pipeline.PipelineWorld.StartAsync(TestContext.CancellationToken);

        // Not the answers that stall: the CLI waits for them as its downloader's defaults say (15 s an attempt, 3 retries).
        var world = CommandLineWorld.Create(folder, server.Urls.Where(u => u.IsLoopback && !u.AbsolutePath.StartsWith("/stall/", StringComparison.Ordinal) && u.Scheme == "http"));
        var userFiles = Snapshot(world.UserFiles);
        var random = new Random(seed);
        var failures = new List<string>();
        var exitCodes = new Dictionary<string, int>(StringComparer.Ordinal);

        for (var i = 0; i < cases && failures.Count < 5; i++)
        {
            var args = world.NextCommandLine(random);
            var (problem, exitCode) = await RunOneAsync(args, CommandLineWorld.PlayTimeLimit(args));
            var tally = $"{(args.Length > 0 ? args[0] : "(none)")} → {exitCode}";
            exitCodes[tally] = exitCodes.GetValueOrDefault(tally) + 1;
            if (problem is null)
            {
                problem = ChangedUserFile(userFiles);
            }

            if (problem is not null)
            {
                failures.Add($"case {i} (seed {seed}): imagekit {Show(args)}\n    {problem}");
                userFiles = Snapshot(world.UserFiles.Where(File.Exists));
            }
        }

        TestContext.WriteLine(string.Join(", ", exitCodes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}")));
        Assert.IsEmpty(failures, string.Join("\n", failures));
    }

    private async Task<(string? Problem, int ExitCode)> RunOneAsync(string[] args, TimeSpan? playLimit)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        stop.CancelAfter(playLimit ?? s_hangLimit);
        int exitCode;
        try
        {
            exitCode = await CliApp.RunAsync(args, stdout, stderr, stop.Token);
        }
        catch (Exception e)
        {
            return ($"threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}", -1);
        }

        var errorLines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var logs = args.Contains("--verbose") || args.Contains("--metrics");
        switch (exitCode)
        {
            case 130 when stop.IsCancellationRequested && playLimit is not null:
                return (null, exitCode); // a play bounded only by the test's own limit
            case 130:
                return ($"did not end within {s_hangLimit.TotalSeconds} s; stderr: {stderr}", exitCode);
            case CliApp.Success or CliApp.PartialFailure:
                return (null, exitCode);
            case CliApp.BadInput when logs:
                return (errorLines.Any(l => l.StartsWith("imagekit: ", StringComparison.Ordinal)) ? null : $"exit 2 without an 'imagekit: ' line; stderr: {stderr}", exitCode);
            case CliApp.BadInput:
                if (errorLines.Length != 1 || !errorLines[0].StartsWith("imagekit: ", StringComparison.Ordinal))
                {
                    return ($"exit 2 needs exactly one 'imagekit: ' line on stderr; got: {stderr}", exitCode);
                }

                return (stdout.ToString().Length == 0 ? null : $"exit 2 with output on stdout: {Truncate(stdout.ToString())}", exitCode);
            default:
                return ($"exit code {exitCode}; stderr: {stderr}", exitCode);
        }
    }

    private static Dictionary<string, string> Snapshot(IEnumerable<string> files) =>
        files.ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);

    private static string? ChangedUserFile(Dictionary<string, string> before)
    {
        foreach (var (path, hash) in before)
        {
            if (!File.Exists(path))
            {
                return $"the user's file {path} was removed";
            }

            if (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) != hash)
            {
                return $"the user's file {path} was changed";
            }
        }

        return null;
    }

    private static string Show(string[] args) =>
        string.Join(' ', args.Select(a => a.Length == 0 ? "''" : a.Any(c => char.IsControl(c) || c == ' ') ? $"'{EscapeControls(a)}'" : Truncate(a)));

    private static string EscapeControls(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }

        return builder.ToString();
    }

    private static string Truncate(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
