using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>An index.sqlite that is not a regular file (a FIFO, a folder) is refused by the cache commands, not waited on.</summary>
[TestClass]
public sealed class CacheCommandSpecialIndexTests
{
    public TestContext TestContext { get; set; } = null!;

    // The header check opened index.sqlite to read its first 16 bytes: a FIFO there blocked the open until some process
    // wrote to it, so `cache stats` hung forever (and, blocked in open(2), did not even end on SIGTERM).
    [TestMethod]
    [DataRow("stats")]
    [DataRow("clear")]
    [DataRow("trim")]
    public async Task Command_IndexIsAFifo_ExitsWith2InsteadOfWaitingForAWriter(string command)
    {
        using var folder = new TempFolder();
        var index = Fifo.Create(folder.Path, "index.sqlite");

        // On a thread of its own: a run blocked in open(2) does not return a task at all.
        var run = Task.Run(() => CliRunner.RunAsync("cache", command, "--cache-dir", folder.Path), TestContext.CancellationToken);
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30), TestContext.CancellationToken));
        if (finished != run)
        {
            // Releases the reader blocked in open(2), so the run (and this test's thread) ends.
            await Fifo.WriteAsync(index, []);
            Assert.Fail($"cache {command} still waits on the FIFO after 30 s");
        }

        var result = await run;
        result.AssertBadInput(index, "FIFO");
        Assert.IsTrue(File.Exists(index), "the FIFO is left as it was");
        CollectionAssert.AreEqual(new[] { "index.sqlite" }, Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName).ToArray(), "nothing created");
    }

    // A folder named index.sqlite is no index: `cache stats` took the cache for one without an index (0 entries, exit 0),
    // and clear/trim failed with SQLite's bare "unable to open database file".
    [TestMethod]
    [DataRow("stats")]
    [DataRow("clear")]
    [DataRow("trim")]
    public async Task Command_IndexIsAFolder_SaysSoNamingItAndExitsWith2(string command)
    {
        using var folder = new TempFolder();
        var index = Path.Combine(folder.Path, "index.sqlite");
        Directory.CreateDirectory(index);

        var result = await CliRunner.RunAsync("cache", command, "--cache-dir", folder.Path);

        result.AssertBadInput(index, "is a folder");
        Assert.IsTrue(Directory.Exists(index), "the folder is left as it was");
        CollectionAssert.AreEqual(new[] { "index.sqlite" }, Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName).ToArray(), "nothing created");
    }

    [TestMethod]
    [DataRow("stats")]
    [DataRow("clear")]
    [DataRow("trim")]
    public async Task Command_IndexIsALinkToNothing_SaysSoNamingItAndExitsWith2(string command)
    {
        using var folder = new TempFolder();
        var index = Path.Combine(folder.Path, "index.sqlite");
        File.CreateSymbolicLink(index, Path.Combine(folder.Path, "gone.sqlite"));

        var result = await CliRunner.RunAsync("cache", command, "--cache-dir", folder.Path);

        result.AssertBadInput(index, "is a symbolic link to");
        Assert.IsNotNull(new FileInfo(index).LinkTarget, "the link is left as it was");
        CollectionAssert.AreEqual(new[] { "index.sqlite" }, Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName).ToArray(), "nothing created");
    }
}
