namespace ImageKit.Tests.Cli;

/// <summary>
/// A long input <c>imagekit inspect</c> and <c>play</c> refuse as a URL (a scheme they do not read, or text that looks
/// like an http URL but does not parse) is named as <c>fetch</c> names a refused URL: without its secrets, by its first
/// 48 characters and its length.
/// </summary>
[TestClass]
public sealed class InspectPlayRefusedUrlNameTests
{
    private const string Secret = "refusedS3cretPw";

    private const string UnsupportedScheme = "the 'ftp' scheme is not supported (http, https, file and data URLs and file paths are)";

    [TestMethod]
    [DataRow("inspect", "ftp://files.example/", 300, "", UnsupportedScheme)]
    [DataRow("play", "ftp://files.example/", 300, "", UnsupportedScheme)]
    [DataRow("inspect", "ftp://files.example/", 1000, "", UnsupportedScheme)]
    [DataRow("play", "ftp://files.example/", 1000, "", UnsupportedScheme)]
    [DataRow("inspect", "ftp://user:" + Secret + "@files.example/", 0, "b", "the file name is too long")]
    [DataRow("play", "ftp://user:" + Secret + "@files.example/", 0, "b", "the file name is too long")]
    [DataRow("inspect", "http://user:" + Secret + "@files.example:99999/", 1000, "", "not a valid URL")]
    [DataRow("play", "http://user:" + Secret + "@files.example:99999/", 1000, "", "not a valid URL")]
    [DataRow("inspect", "http://user:" + Secret + "@files.example:99999/", 0, "b", "the file name is too long")]
    [DataRow("play", "http://user:" + Secret + "@files.example:99999/", 0, "b", "the file name is too long")]
    public async Task InspectOrPlay_LongRefusedUrl_IsNamedByItsStartAndLength(string command, string start, int shortFolders, string longName, string reason)
    {
        // Short folders keep every part of the path within the file system's limits (the file is then just missing);
        // a 5,000-character name is too long for any.
        var url = start + string.Concat(Enumerable.Repeat("a/", shortFolders)) + (longName.Length > 0 ? new string('b', 5000) : "a") + ".gif";
        var shown = url.Replace(Secret, "***", StringComparison.Ordinal);
        var expected = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"imagekit: {shown[..48]}… ({shown.Length:N0} characters): {reason}");

        var result = await CliRunner.RunAsync(command, url);

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        Assert.AreEqual(string.Empty, result.Stdout);
        Assert.HasCount(1, result.StderrLines, result.Stderr);
        Assert.AreEqual(expected, result.StderrLines[0]);
    }
}
