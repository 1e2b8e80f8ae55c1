using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A folder option given a symbolic link follows it; a link that leads to no folder is called what it is (it passed for
/// "a file, not a folder" before, a loop and a link to a missing folder included).
/// </summary>
[TestClass]
public sealed class FolderOptionLinkTests
{
    private static readonly string s_gif = Corpus.PathOf("animated-red-blue.gif");

    [TestMethod]
    [DataRow("cache|stats|--cache-dir|{link}")]
    [DataRow("fetch|--cache-dir|{link}|http://127.0.0.1:9/a.gif")]
    [DataRow("demo|--cache-dir|{link}")]
    [DataRow("inspect|{gif}|--frames-dir|{link}")]
    public async Task FolderOption_ALinkInALoop_SaysItCannotBeFollowed(string commandLine)
    {
        using var folder = new TempFolder();
        var link = folder.Combine("one");
        if (!TryLink(link, folder.Combine("two")) || !TryLink(folder.Combine("two"), link))
        {
            return;
        }

        var result = await RunAsync(commandLine, link);

        result.AssertBadInput(commandLine.Contains("--frames-dir", StringComparison.Ordinal) ? "--frames-dir" : "--cache-dir", $"{link} is a symbolic link that cannot be followed: ");
    }

    [TestMethod]
    public async Task CacheDir_ALinkToAMissingFolder_SaysWhereItLeads()
    {
        using var folder = new TempFolder();
        var link = folder.Combine("cache");
        var target = folder.Combine("gone");
        if (!TryLink(link, target))
        {
            return;
        }

        var result = await RunAsync("fetch|--cache-dir|{link}|http://127.0.0.1:9/a.gif", link);

        result.AssertBadInput("--cache-dir", $"{link} is a symbolic link to {target}, which does not exist");
    }

    [TestMethod]
    public async Task CacheDir_ALinkToAFile_SaysTheTargetIsAFile()
    {
        using var folder = new TempFolder();
        var link = folder.Combine("cache");
        if (!TryLink(link, s_gif))
        {
            return;
        }

        var result = await RunAsync("cache|stats|--cache-dir|{link}", link);

        result.AssertBadInput("--cache-dir", $"{link} is a symbolic link to {s_gif}, a file, not a folder");
    }

    [TestMethod]
    public async Task CacheDir_ALinkToAFolder_IsUsedAsThatFolder()
    {
        using var folder = new TempFolder();
        var target = Directory.CreateDirectory(folder.Combine("real")).FullName;
        var link = folder.Combine("cache");
        if (!TryLink(link, target))
        {
            return;
        }

        var result = await RunAsync("fetch|--cache-dir|{link}|" + new Uri(s_gif).AbsoluteUri, link);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.IsTrue(File.Exists(Path.Combine(target, "index.sqlite")), "the cache is in the folder the link leads to");
    }

    private static Task<CliResult> RunAsync(string commandLine, string link) =>
        CliRunner.RunAsync(commandLine.Replace("{link}", link, StringComparison.Ordinal).Replace("{gif}", s_gif, StringComparison.Ordinal).Split('|'));

    private static bool TryLink(string path, string target)
    {
        try
        {
            File.CreateSymbolicLink(path, target);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Windows without developer mode or the privilege.
            Assert.Inconclusive($"this machine does not let this user create symbolic links: {e.Message}");
            return false;
        }
    }
}
