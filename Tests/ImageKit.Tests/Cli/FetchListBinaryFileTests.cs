using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>A list that is no list (an image given by mistake): the line names its first line cut short, as a long data: URL is.</summary>
[TestClass]
public sealed class FetchListBinaryFileTests
{
    // The line named the whole first "line" of the GIF, escaped: thousands of characters of \u0000 and the like.
    [TestMethod]
    public async Task Fetch_ListIsAnImage_NamesTheLineByItsStartAndLength()
    {
        using var folder = new TempFolder();

        var result = await CliRunner.RunAsync("fetch", "--list", Corpus.PathOf("TestImage.gif"), "--cache-dir", folder.Combine("cache"));

        result.AssertBadInput("GIF89a", "not an absolute URL");
        StringAssert.Contains(result.StderrLines[0], " characters)");
        Assert.IsLessThan(300, result.StderrLines[0].Length, result.StderrLines[0]);
    }

    [TestMethod]
    public async Task Fetch_ListLineShortButNotAUrl_IsNamedWhole()
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        await File.WriteAllTextAsync(list, "not a url at all\n");

        var result = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", folder.Combine("cache"));

        result.AssertBadInput("imagekit: not a url at all: ", "not an absolute URL");
    }
}
