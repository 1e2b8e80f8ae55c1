using ImageKit.Cli;

namespace ImageKit.Tests.Cli;

/// <summary>Runs the imagekit command line in-process and captures what it prints.</summary>
internal static class CliRunner
{
    /// <remarks>
    /// In the invariant culture, as the tool itself always runs (<c>InvariantGlobalization</c>): under the test host's
    /// culture, <c>--seconds 0.5</c> read as five seconds in Turkish.
    /// </remarks>
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        // Set inside this async method, so it flows into the run and is undone for the caller when it returns.
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.InvariantCulture;
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await CliApp.RunAsync(args, stdout, stderr);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Asserts the CLI's bad-input contract: exit 2, one line "imagekit: source: reason" on stderr, nothing on stdout.</summary>
    public void AssertBadInput(string expectedSourceFragment, string expectedReasonFragment)
    {
        Assert.AreEqual(2, ExitCode, $"exit code; stderr: {Stderr}");
        Assert.AreEqual(string.Empty, Stdout, "nothing on stdout");
        Assert.HasCount(1, StderrLines, $"one line on stderr: {Stderr}");
        StringAssert.StartsWith(StderrLines[0], "imagekit: ");
        StringAssert.Contains(StderrLines[0], expectedSourceFragment);
        StringAssert.Contains(StderrLines[0], expectedReasonFragment);
    }
}
