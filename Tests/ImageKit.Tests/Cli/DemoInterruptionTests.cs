using ImageKit.Cli;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// What an interrupted or failed <c>imagekit demo</c> leaves behind, in-process: the token is cancelled (or the run
/// sabotaged) from the demo's own stdout, at a chosen line, so the stage is exact rather than a matter of timing.
/// The work folder is the real one under the temporary folder; its path is read from the demo's "cache" line.
/// </summary>
[TestClass]
public sealed class DemoInterruptionTests
{
    private const string CacheLine = "  cache   ";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Demo_CancelledAfterTheFirstLoad_Exits130AndRemovesItsFilledWorkFolder()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var filesWhenCancelled = 0;
        var stdout = new ScriptedWriter("1. First load", text =>
        {
            var work = WorkFolderOf(text)!;
            filesWhenCancelled = Directory.EnumerateFiles(work, "*", SearchOption.AllDirectories).Count();
            cancel.Cancel();
        });

        var (exitCode, stderr, work) = await RunAsync(stdout, cancel.Token, "demo");

        Assert.IsGreaterThan(0, filesWhenCancelled, "the disk cache had files in the work folder when the run was cancelled");
        Assert.AreEqual(130, exitCode, stderr);
        Assert.AreEqual("imagekit: cancelled" + Environment.NewLine, stderr);
        Assert.IsFalse(Directory.Exists(work), $"{work} was removed");
    }

    [TestMethod]
    public async Task Demo_CancelledAsPlayingStarts_Exits130RatherThanComplainingAboutTheContactSheet()
    {
        // No frame shown yet: the player's contact sheet has nothing to write, which once came out as exit 2.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var stdout = new ScriptedWriter("2. Playing", _ => cancel.Cancel());

        var (exitCode, stderr, work) = await RunAsync(stdout, cancel.Token, "demo");

        Assert.AreEqual(130, exitCode, stderr);
        Assert.AreEqual("imagekit: cancelled" + Environment.NewLine, stderr);
        Assert.IsFalse(Directory.Exists(work), $"{work} was removed");
    }

    [TestMethod]
    public async Task Demo_CancelledAfterFramesWereShown_DoesNotPointToAContactSheetItIsAboutToRemove()
    {
        // Interrupted once frames were shown: the statistics are printed (as play does), but the contact sheet in the
        // work folder goes with the folder, so no line may send the user looking for it.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var stdout = new ScriptedWriter("frames shown", _ => cancel.Cancel());

        var (exitCode, stderr, work) = await RunAsync(stdout, cancel.Token, "demo");

        Assert.AreEqual(130, exitCode, stderr);
        Assert.AreEqual("imagekit: cancelled" + Environment.NewLine, stderr);
        Assert.IsFalse(Directory.Exists(work), $"{work} was removed");
        StringAssert.Contains(stdout.ToString(), "frames shown");
        Assert.DoesNotContain("contact-sheet.png", stdout.ToString(), stdout.ToString());
    }

    [TestMethod]
    public async Task Demo_CancelledWithTheUsersCacheFolderAndContactSheet_LeavesTheirFolderAndCacheInPlace()
    {
        using var folder = new TempFolder("imagekit-demo-users-");
        var cache = folder.Combine("cache");
        var sheet = folder.Combine("sheet.png");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var stdout = new ScriptedWriter("1. First load", _ => cancel.Cancel());

        var (exitCode, stderr, shownCache) = await RunAsync(stdout, cancel.Token, "demo", "--cache-dir", cache, "--contact-sheet", sheet);

        Assert.AreEqual(130, exitCode, stderr);
        Assert.AreEqual(cache, shownCache, "the demo used the given cache folder");
        Assert.IsTrue(File.Exists(Path.Combine(cache, "index.sqlite")), "the cache's index is still there");
        Assert.IsNotEmpty(Directory.GetFiles(Path.Combine(cache, "blobs"), "*", SearchOption.AllDirectories), "the cached samples are still there");
        Assert.IsTrue(Directory.Exists(folder.Path));
    }

    [TestMethod]
    public async Task Demo_FailsMidwayWritingTheContactSheetInItsWorkFolder_RemovesTheFolderAndSaysSoOnTheErrorLine()
    {
        // A folder where the contact sheet goes: the run fails after the cache has been filled, with an error that names
        // a path inside the work folder.
        var stdout = new ScriptedWriter(CacheLine, text => Directory.CreateDirectory(Path.Combine(WorkFolderOf(text)!, "contact-sheet.png")));

        var (exitCode, stderr, work) = await RunAsync(stdout, TestContext.CancellationToken, "demo");

        Assert.AreEqual(2, exitCode, stderr);
        var lines = stderr.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, stderr);
        StringAssert.StartsWith(lines[0], $"imagekit: {Path.Combine(work!, "contact-sheet.png")}: cannot write the contact sheet: it is a folder, not a file");
        StringAssert.Contains(lines[0], $"the demo's work folder {work} was removed");
        StringAssert.Contains(lines[0], "--cache-dir");
        Assert.IsFalse(Directory.Exists(work), $"{work} was removed");
    }

    [TestMethod]
    public async Task Demo_Completes_KeepsItsWorkFolderWithTheContactSheetAndCache()
    {
        var stdout = new ScriptedWriter("no such line", _ => { });

        var (exitCode, stderr, work) = await RunAsync(stdout, TestContext.CancellationToken, "demo");

        try
        {
            Assert.AreEqual(0, exitCode, stderr);
            Assert.IsTrue(File.Exists(Path.Combine(work!, "contact-sheet.png")));
            Assert.IsTrue(File.Exists(Path.Combine(work!, "cache", "index.sqlite")));
        }
        finally
        {
            Directory.Delete(work!, recursive: true);
        }
    }

    /// <summary>Runs the CLI; returns its exit code, stderr and the work folder (or, with --cache-dir, the cache folder) it showed.</summary>
    private static async Task<(int ExitCode, string Stderr, string? Folder)> RunAsync(ScriptedWriter stdout, CancellationToken cancellationToken, params string[] args)
    {
        using var stderr = new StringWriter();
        var exitCode = await CliApp.RunAsync(args, stdout, stderr, cancellationToken);
        var text = stdout.ToString();
        var folder = args.Contains("--cache-dir") ? CacheFolderOf(text) : WorkFolderOf(text);
        if (exitCode != 0 && folder is not null && !args.Contains("--cache-dir") && Directory.Exists(folder))
        {
            // Not the temporary folder's litter even when the test fails; the assertions look at what the demo left.
            var left = Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories);
            Directory.Delete(folder, recursive: true);
            Assert.Fail($"the demo left {folder} behind with {left.Length} entries; stderr: {stderr}");
        }

        return (exitCode, stderr.ToString(), folder);
    }

    private static string? CacheFolderOf(string stdout) =>
        stdout.Split('\n').SkipLast(1).FirstOrDefault(static l => l.StartsWith(CacheLine, StringComparison.Ordinal))?[CacheLine.Length..].TrimEnd('\r');

    /// <summary>The demo's own work folder: the parent of the cache folder it shows.</summary>
    private static string? WorkFolderOf(string stdout) => CacheFolderOf(stdout) is { } cache ? Path.GetDirectoryName(cache) : null;

    /// <summary>Collects what is written; the first time a complete line contains <paramref name="marker"/>, runs <paramref name="onMarker"/> with the text so far.</summary>
    private sealed class ScriptedWriter(string marker, Action<string> onMarker) : TextWriter
    {
        private readonly System.Text.StringBuilder _text = new();
        private bool _fired;

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => Append(value.ToString());

        public override void Write(string? value) => Append(value);

        public override void Write(char[] buffer, int index, int count) => Append(new string(buffer, index, count));

        public override string ToString()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }

        private void Append(string? value)
        {
            string text;
            lock (_text)
            {
                _text.Append(value);
                text = _text.ToString();
            }

            var complete = text[..(text.LastIndexOf('\n') + 1)];
            if (!_fired && complete.Contains(marker, StringComparison.Ordinal))
            {
                _fired = true;
                onMarker(complete);
            }
        }
    }
}
