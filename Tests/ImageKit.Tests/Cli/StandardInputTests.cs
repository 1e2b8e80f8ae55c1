using System.Text.Json;
using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// <c>-</c> names standard input, as in most Unix tools: <c>fetch --list -</c> reads the URLs from it (it looked for a
/// file named "-"), and <c>inspect -</c> and <c>play -</c> read the image from it. Each runs in a process of its own,
/// its standard input redirected by <c>sh</c>.
/// </summary>
[TestClass]
public sealed class StandardInputTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task FetchListDash_ReadsTheUrlsFromStandardInput()
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        var image = "data:image/gif;base64," + Convert.ToBase64String(Corpus.Read("TestImage.gif"));
        File.WriteAllText(list, $"# two images\n{new Uri(Corpus.PathOf("animated-red-blue.gif")).AbsoluteUri}\r\n\n{image}\n");

        var result = await ShellAsync("fetch --list - --json --cache-dir \"$2\" < \"$3\"", folder.Combine("cache"), list);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual(2, json.RootElement.GetProperty("results").GetArrayLength());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task FetchListDash_StandardInputWithoutUrls_ExitsTwoSayingSo()
    {
        using var folder = new TempFolder();
        var list = folder.Combine("empty.txt");
        File.WriteAllText(list, "# nothing here\n\n");

        var result = await ShellAsync("fetch --list - --cache-dir \"$2\" < \"$3\"", folder.Combine("cache"), list);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual("imagekit: standard input: the list has no URLs", result.Stderr.Trim());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task InspectDash_ReadsTheImageFromStandardInput()
    {
        var result = await ShellAsync("inspect - --json < \"$2\"", Corpus.PathOf("animated-red-blue.gif"));

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual("gif", json.RootElement.GetProperty("format").GetString());
        using var image = ImageKit.Decoding.AnimatedImage.Load(Corpus.PathOf("animated-red-blue.gif"));
        Assert.AreEqual(image.FrameCount, json.RootElement.GetProperty("frameCount").GetInt32());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task InspectDash_StandardInputClosed_ExitsTwoSayingSo()
    {
        var result = await ShellAsync("inspect - <&-");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual("imagekit: standard input: standard input is closed", result.Stderr.Trim());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task PlayDash_PlaysTheImageFromStandardInput()
    {
        var result = await ShellAsync("play - --no-render --loops 1 --stats-json < \"$2\"", Corpus.PathOf("animated-red-blue.gif"));

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.IsGreaterThan(0, json.RootElement.GetProperty("framesShown").GetInt32());
    }

    /// <summary>
    /// Runs the CLI through <c>sh</c>, which applies the redirections in <paramref name="script"/> and then becomes the
    /// CLI: in the script "$0" is dotnet, "$1" the CLI, "$2"… <paramref name="arguments"/>.
    /// </summary>
    private async Task<ProcessResult> ShellAsync(string script, params string[] arguments)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("needs sh to redirect standard input");
        }

        return await DotnetCli.RunAsync(
            "/bin/sh",
            ["-c", $"exec \"$0\" \"$1\" {script}", DotnetCli.Executable, Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll"), .. arguments],
            TimeSpan.FromSeconds(100),
            cancellationToken: TestContext.CancellationToken);
    }
}
