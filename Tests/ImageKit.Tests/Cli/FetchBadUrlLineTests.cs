using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A URL <c>imagekit fetch</c> refuses before loading anything (not a URL, or a scheme it has no loader for) is named
/// as every URL is: without its password or secret query values, and a long one by its start and length.
/// </summary>
[TestClass]
public sealed class FetchBadUrlLineTests
{
    private const string Secret = "lineS3cretPw";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("ftp://user:" + Secret + "@files.example/a.gif?token=" + Secret, "ftp://user:***@files.example/a.gif?token=***")]
    [DataRow("http://user:" + Secret + "@files.example:99999/a.gif?token=" + Secret, "http://user:***@files.example:99999/a.gif?token=***")] // not a URL: port out of range
    public async Task Fetch_RefusedUrlWithSecrets_NamesItWithoutThem(string url, string shown)
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        await File.WriteAllTextAsync(list, url + "\n", TestContext.CancellationToken);

        var argument = await CliRunner.RunAsync("fetch", url, "--cache-dir", folder.Combine("cache"));
        var listed = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", folder.Combine("cache"));

        argument.AssertBadInput($"imagekit: {shown}: ", "");
        listed.AssertBadInput($"imagekit: {shown}: ", "");
        Assert.DoesNotContain(Secret, argument.Stderr + listed.Stderr);
    }

    [TestMethod]
    [DataRow("inspect")]
    [DataRow("play")]
    public async Task InspectOrPlay_InvalidUrlWithPassword_NamesItWithoutThePassword(string command)
    {
        var result = await CliRunner.RunAsync(command, $"http://user:{Secret}@files.example:99999/a.gif");

        result.AssertBadInput("imagekit: http://user:***@files.example:99999/a.gif: ", "not a valid URL");
        Assert.DoesNotContain(Secret, result.Stderr);
    }

    // A URL of a scheme the tool does not read is first tried as a file path (a file may be named "img:1.gif"); one too long
    // for a path failed as "the file name is too long" and was named as typed, password and all.
    [TestMethod]
    [DataRow("inspect")]
    [DataRow("play")]
    public async Task InspectOrPlay_UrlOfAnotherSchemeTooLongForAPath_NamesItWithoutThePassword(string command)
    {
        var url = $"ftp://user:{Secret}@files.example/" + string.Concat(Enumerable.Repeat("a/", 3000)) + "a.gif";

        var result = await CliRunner.RunAsync(command, url);

        result.AssertBadInput("imagekit: ftp://user:***@files.example/a/a/", "");
        Assert.DoesNotContain(Secret, result.Stderr);
    }

    // Named in full (up to the 2,000 characters of any CLI line), where a line that is not a URL is named by its start and
    // its length.
    [TestMethod]
    public async Task Fetch_ListLineWithUnsupportedSchemeVeryLong_IsShortenedAsOtherBadLines()
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        var line = "ftp://files.example/" + new string('a', 5000) + ".gif";
        await File.WriteAllTextAsync(list, line + "\n", TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", folder.Combine("cache"));

        result.AssertBadInput("imagekit: ftp://files.example/aaaa", "the 'ftp' scheme is not supported");
        StringAssert.Contains(result.StderrLines[0], $"… ({line.Length:N0} characters)");
        Assert.IsLessThan(300, result.StderrLines[0].Length, result.StderrLines[0]);
    }
}
