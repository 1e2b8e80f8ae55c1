using ImageKit.Cli.Input;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>The CLI reads the file it is given, by its name as typed: only a <c>file:</c> URL is unescaped.</summary>
[TestClass]
public sealed class InputReaderTests
{
    public TestContext TestContext { get; set; } = null!;

    // A path taken through a Uri (new Uri(path).LocalPath) has %XX of unreserved and non-ASCII characters decoded and
    // trailing spaces trimmed: a different file, or none, would be read.
    [TestMethod]
    [DataRow("plain #?;.gif")]
    [DataRow("a%41.gif")]
    [DataRow("%E2%82%AC.gif")]
    [DataRow("ends in a space.gif ")]
    public async Task ReadFileAsync_FileNameThatLooksEscaped_ReadsThatFile(string name)
    {
        if (OperatingSystem.IsWindows() && name.EndsWith(' '))
        {
            Assert.Inconclusive("Windows file names cannot end in a space");
        }

        using var folder = new TempFolder();
        var path = folder.Combine(name);
        var data = await File.ReadAllBytesAsync(Corpus.PathOf("animated-red-blue.gif"), TestContext.CancellationToken);
        await File.WriteAllBytesAsync(path, data, TestContext.CancellationToken);

        var read = await InputReader.ReadFileAsync(path, name, InputReader.MaxInputBytes, TestContext.CancellationToken);
        CollectionAssert.AreEqual(data, read);
    }

    [TestMethod]
    [DataRow("a%41.gif")]
    [DataRow("%E2%82%AC.gif")]
    public async Task ReadAsync_AbsolutePathThatLooksEscaped_ReadsThatFileNotTheUnescapedOne(string name)
    {
        using var folder = new TempFolder();
        var data = await File.ReadAllBytesAsync(Corpus.PathOf("animated-red-blue.gif"), TestContext.CancellationToken);
        await File.WriteAllBytesAsync(folder.Combine(name), data, TestContext.CancellationToken);
        await File.WriteAllBytesAsync(folder.Combine(Uri.UnescapeDataString(name)), [1, 2, 3], TestContext.CancellationToken);

        CollectionAssert.AreEqual(data, await InputReader.ReadAsync(folder.Combine(name), headers: null, TestContext.CancellationToken));
        CollectionAssert.AreEqual(
            new byte[] { 1, 2, 3 },
            await InputReader.ReadAsync(new Uri(folder.Combine(Uri.UnescapeDataString(name))).AbsoluteUri, headers: null, TestContext.CancellationToken),
            "a file: URL is unescaped");
    }
}
