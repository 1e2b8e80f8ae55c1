using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary><c>@file</c> arguments (response files), which the parser reads before any command runs.</summary>
[TestClass]
public sealed class ResponseFileTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ResponseFileThatIsAFolder_ExitsWith2AndOneLineNamingIt()
    {
        using var folder = new TempFolder();

        var result = await CliRunner.RunAsync("inspect", "@" + folder.Path);

        result.AssertBadInput(folder.Path, "response file");
    }

    // The command itself may be in the file: one that cannot be read was reported as "a command is required".
    [TestMethod]
    public async Task ResponseFileThatCannotBeRead_InPlaceOfTheCommand_SaysWhyNotThatACommandIsMissing()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("missing.rsp");

        var result = await CliRunner.RunAsync("@" + file);

        result.AssertBadInput(file, "cannot read the response file: file not found");
    }

    [TestMethod]
    public async Task ResponseFile_ArgumentsAreRead()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("args.rsp");
        await File.WriteAllLinesAsync(file, ["inspect", folder.Combine("missing.gif")]);

        var result = await CliRunner.RunAsync("@" + file);

        result.AssertBadInput("missing.gif", "file not found");
    }

    [TestMethod]
    public async Task ResponseFileThatIsTooLarge_ExitsWith2AndOneLineNamingIt()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("huge.rsp");
        await File.WriteAllTextAsync(file, new string('a', (int)ImageKit.Cli.Input.ResponseFiles.MaxBytes + 1), TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("inspect", "@" + file);

        result.AssertBadInput(file, "more than the 1,048,576 bytes");
    }

    /// <summary>Its own process, with a small heap: the parser's own reader read /dev/zero until it ran out of memory (exit 134).</summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task ResponseFileThatNeverEnds_ExitsWith2AndOneLine()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll");
        var environment = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x20000000" };

        var result = await DotnetCli.RunAsync(DotnetCli.Executable, [cli, "inspect", "@/dev/zero"], TimeSpan.FromSeconds(100), environment, TestContext.CancellationToken);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, result.ToString());
        StringAssert.Contains(lines[0], "/dev/zero");
    }
}
