using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>A contact sheet never replaces what is not a file of its own: a FIFO or device, or the image being played.</summary>
[TestClass]
public sealed class ContactSheetTargetTests
{
    public TestContext TestContext { get; set; } = null!;

    // The sheet is written beside its path and renamed over it: a path that is not a regular file (a FIFO, or /dev/null
    // as root: "--contact-sheet /dev/null" to discard it) would be replaced by a PNG file. (Not tested on /dev/null: a
    // regression would replace the machine's.)
    [TestMethod]
    public async Task Play_ContactSheetIsAFifo_DoesNotReplaceIt()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("FIFOs are Unix");
            return;
        }

        using var folder = new TempFolder();
        var fifo = Fifo.Create(folder.Path);

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--seconds", "0.3", "--no-render", "--contact-sheet", fifo);

        Assert.IsTrue(IsFifo(fifo), $"exit {result.ExitCode}; the FIFO was replaced by a regular file");
        result.AssertBadInput(fifo, "FIFO");
    }

    // The input itself is the easiest path to give by mistake: the animation is replaced by a PNG of its frames.
    [TestMethod]
    public async Task Play_ContactSheetIsTheInput_IsRefusedAndTheInputKept()
    {
        using var folder = new TempFolder();
        var input = folder.Combine("cat.gif");
        var bytes = Corpus.Read("animated-red-blue.gif");
        await File.WriteAllBytesAsync(input, bytes, TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("play", input, "--seconds", "0.3", "--no-render", "--contact-sheet", input);

        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(input, TestContext.CancellationToken), $"exit {result.ExitCode}: the input was overwritten");
        result.AssertBadInput(input, "contact sheet");
    }

    // As shell redirection and other image tools do, a link names where the file goes: the sheet was renamed over the
    // link itself, so the link became a file and the file it led to kept its old content.
    [TestMethod]
    public async Task Play_ContactSheetIsALinkToAFile_WritesTheFileTheLinkLeadsToAndKeepsTheLink()
    {
        using var folder = new TempFolder();
        var target = folder.Combine("sheet.png");
        await File.WriteAllTextAsync(target, "old sheet", TestContext.CancellationToken);
        var link = folder.Combine("latest.png");
        if (!TryLink(link, target))
        {
            return;
        }

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--seconds", "0.3", "--no-render", "--contact-sheet", link);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.IsNotNull(new FileInfo(link).LinkTarget, "the link was replaced by a file");
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, (await File.ReadAllBytesAsync(target, TestContext.CancellationToken))[..4], "the file the link leads to holds the sheet");
        CollectionAssert.AreEquivalent(new[] { "latest.png", "sheet.png" }, Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName).ToArray(), "no temporary file left");
    }

    // A link to a file that does not exist yet is written through too (as `> link` in a shell): the file is made where the
    // link leads, and the link is kept.
    [TestMethod]
    public async Task Play_ContactSheetIsALinkToAMissingFile_MakesThatFileAndKeepsTheLink()
    {
        using var folder = new TempFolder();
        var target = folder.Combine("out", "sheet.png");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var link = folder.Combine("latest.png");
        if (!TryLink(link, Path.Combine("out", "sheet.png"))) // relative: to the link's folder
        {
            return;
        }

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--seconds", "0.3", "--no-render", "--contact-sheet", link);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.IsNotNull(new FileInfo(link).LinkTarget, "the link was replaced by a file");
        Assert.IsTrue(File.Exists(target), "the sheet was not written where the link leads");
    }

    // A link to a file in a folder that does not exist cannot be written through: said before playing, naming the target.
    [TestMethod]
    public async Task Play_ContactSheetIsALinkIntoAMissingFolder_IsRefusedAndTheLinkKept()
    {
        using var folder = new TempFolder();
        var target = folder.Combine("gone", "sheet.png");
        var link = folder.Combine("latest.png");
        if (!TryLink(link, target))
        {
            return;
        }

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--seconds", "0.3", "--no-render", "--contact-sheet", link);

        result.AssertBadInput(link, "does not exist");
        Assert.IsNotNull(new FileInfo(link).LinkTarget, "the link was replaced by a file");
    }

    [TestMethod]
    public async Task Play_ContactSheetIsALinkInALoop_IsRefusedAndTheLinkKept()
    {
        using var folder = new TempFolder();
        var link = folder.Combine("one.png");
        if (!TryLink(link, folder.Combine("two.png")) || !TryLink(folder.Combine("two.png"), link))
        {
            return;
        }

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--seconds", "0.3", "--no-render", "--contact-sheet", link);

        result.AssertBadInput(link, "symbolic link that cannot be followed");
        Assert.IsNotNull(new FileInfo(link).LinkTarget, "the link was replaced by a file");
    }

    // The sheet was first written as ".<name>.<32 hex digits>.tmp" beside its path: for a name of more than 216 bytes that
    // temporary name passed the system's 255-byte limit, so a path the user could write was refused after playing.
    [TestMethod]
    public async Task Play_ContactSheetWithANameNearTheSystemsLimit_IsWritten()
    {
        using var folder = new TempFolder();
        var sheet = folder.Combine(new string('s', 240) + ".png");

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--seconds", "0.3", "--no-render", "--contact-sheet", sheet);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.IsTrue(File.Exists(sheet), "no sheet written");
        CollectionAssert.AreEqual(new[] { Path.GetFileName(sheet) }, Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName).ToArray(), "a temporary file left");
    }

    private static bool TryLink(string link, string target)
    {
        try
        {
            File.CreateSymbolicLink(link, target);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Assert.Inconclusive($"cannot make symbolic links here: {e.Message}");
            return false;
        }
    }

    // `test -p`: the path is (still) a FIFO.
    private static bool IsFifo(string path)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("test", ["-p", path]))!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
