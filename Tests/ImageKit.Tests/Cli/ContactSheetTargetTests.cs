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

    // `test -p`: the path is (still) a FIFO.
    private static bool IsFifo(string path)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("test", ["-p", path]))!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
