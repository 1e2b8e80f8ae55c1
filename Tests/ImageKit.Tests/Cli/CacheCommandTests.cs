using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

[TestClass]
public sealed class CacheCommandTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task StatsJson_FreshFolder_PrintsZeroEntriesAndBytes()
    {
        using var folder = new TempFolder();
        var result = await CliRunner.RunAsync("cache", "stats", "--cache-dir", folder.Path, "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.AreEqual("{\"entries\":0,\"bytes\":0}\n", result.Stdout);
        Assert.AreEqual(string.Empty, result.Stderr);
    }

    [TestMethod]
    public async Task Stats_EmptyFolder_PrintsNoEntriesAndCreatesNothing()
    {
        using var folder = new TempFolder();

        var text = await CliRunner.RunAsync("cache", "stats", "--cache-dir", folder.Path);
        var json = await CliRunner.RunAsync("cache", "stats", "--cache-dir", folder.Path, "--json");

        Assert.AreEqual(0, text.ExitCode, text.Stderr);
        Assert.AreEqual($"{folder.Path}\n  entries  0\n  bytes    0 (0 KiB)\n", text.Stdout);
        Assert.AreEqual(0, json.ExitCode, json.Stderr);
        Assert.AreEqual("{\"entries\":0,\"bytes\":0}\n", json.Stdout);
        Assert.IsEmpty(Snapshot(folder.Path), "a look at the cache creates none: no index, no folders");
    }

    [TestMethod]
    public async Task StatsClear_AfterInserting_ReportAndEmpty()
    {
        using var folder = new TempFolder();
        await FillAsync(folder.Path, 3, 700);

        var stats = await CliRunner.RunAsync("cache", "stats", "--cache-dir", folder.Path, "--json");
        Assert.AreEqual("{\"entries\":3,\"bytes\":2100}\n", stats.Stdout);
        var text = await CliRunner.RunAsync("cache", "stats", "--cache-dir", folder.Path);
        StringAssert.Contains(text.Stdout, "entries  3");
        StringAssert.Contains(text.Stdout, "bytes    2,100");

        var clear = await CliRunner.RunAsync("cache", "clear", "--cache-dir", folder.Path);
        Assert.AreEqual(0, clear.ExitCode, clear.Stderr);
        StringAssert.Contains(clear.Stdout, "removed 3 entries");
        Assert.AreEqual("{\"entries\":0,\"bytes\":0}\n", (await CliRunner.RunAsync("cache", "stats", "--cache-dir", folder.Path, "--json")).Stdout);
    }

    [TestMethod]
    public async Task Trim_MaxSize_RemovesLeastRecentlyUsedAndReports()
    {
        using var folder = new TempFolder();
        await FillAsync(folder.Path, 10, 1000);

        var result = await CliRunner.RunAsync("cache", "trim", "--cache-dir", folder.Path, "--max-size", "5000", "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.AreEqual("{\"expiredRemoved\":0,\"sizeRemoved\":6,\"bytesFreed\":6000,\"entries\":4,\"bytes\":4000}\n", result.Stdout);
        var text = await CliRunner.RunAsync("cache", "trim", "--cache-dir", folder.Path, "--max-size", "1000");
        StringAssert.Contains(text.Stdout, "removed 0 expired and 4 least recently used entries");
    }

    [TestMethod]
    public async Task ClearAndTrim_OneEntry_SayEntryNotEntries()
    {
        using var folder = new TempFolder();
        await FillAsync(folder.Path, 2, 500);

        var trim = await CliRunner.RunAsync("cache", "trim", "--cache-dir", folder.Path, "--max-size", "800");
        Assert.AreEqual(0, trim.ExitCode, trim.Stderr);
        Assert.AreEqual($"{folder.Path}: removed 0 expired and 1 least recently used entry, freed 0.5 KiB; 1 entry (0.5 KiB) remains\n", trim.Stdout);

        var clear = await CliRunner.RunAsync("cache", "clear", "--cache-dir", folder.Path);
        Assert.AreEqual(0, clear.ExitCode, clear.Stderr);
        Assert.AreEqual($"{folder.Path}: removed 1 entry (0.5 KiB)\n", clear.Stdout);
    }

    [TestMethod]
    [DataRow("0.000000000001")]
    [DataRow("1e-300")]
    public async Task Trim_MaxAgeAboveZeroButBelowOneTick_RemovesEntriesNotUsedSinceInsteadOfKeepingAll(string days)
    {
        using var folder = new TempFolder();
        var anHourAgo = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        using (var cache = new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path, TimeProvider = anHourAgo }))
        {
            await cache.SetAsync("k", new byte[100], null, TestContext.CancellationToken);
        }

        var result = await CliRunner.RunAsync("cache", "trim", "--cache-dir", folder.Path, "--max-age", days, "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.AreEqual("{\"expiredRemoved\":1,\"sizeRemoved\":0,\"bytesFreed\":100,\"entries\":0,\"bytes\":0}\n", result.Stdout);
    }

    [TestMethod]
    [DataRow("--max-size", "-5")]
    [DataRow("--max-size", "12abc")]
    [DataRow("--max-age", "soon")]
    [DataRow("--max-age", "-1")]
    public async Task Trim_BadValue_ExitsWith2AndOneLine(string option, string value)
    {
        using var folder = new TempFolder();
        var result = await CliRunner.RunAsync("cache", "trim", "--cache-dir", folder.Path, option, value);
        result.AssertBadInput(option, value);
    }

    [TestMethod]
    [DataRow("missing", "the folder does not exist")]
    [DataRow("other files", "is not an ImageKit disk cache")]
    [DataRow("garbage index", "is not a SQLite database")]
    [DataRow("another program's database", "another program's SQLite database")]
    public async Task Clear_FolderThatIsNotACache_ExitsWith2AndChangesNothing(string kind, string reason)
    {
        using var folder = new TempFolder();
        var target = folder.Combine("target");
        if (kind != "missing")
        {
            Directory.CreateDirectory(target);
        }

        switch (kind)
        {
            case "other files":
                File.WriteAllText(Path.Combine(target, "keep.txt"), "mine");
                break;
            case "garbage index":
                File.WriteAllText(Path.Combine(target, "index.sqlite"), "garbage garbage");
                break;
            case "another program's database":
                using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(target, "index.sqlite")};Pooling=False"))
                {
                    connection.Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = "CREATE TABLE notes(text); INSERT INTO notes VALUES ('keep');";
                    command.ExecuteNonQuery();
                }

                break;
        }

        var before = Snapshot(target);

        var result = await CliRunner.RunAsync("cache", "clear", "--cache-dir", target);

        result.AssertBadInput(target, reason);
        CollectionAssert.AreEqual(before, Snapshot(target), "no file created, changed or removed");
    }

    // Every file under the folder with its bytes' hash (nothing when the folder does not exist).
    private static string[] Snapshot(string directory) => Directory.Exists(directory)
        ? [.. Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => File.Exists(p) ? p + " " + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))) : p)]
        : [];

    private async Task FillAsync(string directory, int count, int size)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new DiskImageCache(new DiskImageCacheOptions { Directory = directory, TimeProvider = time });
        for (var i = 0; i < count; i++)
        {
            await cache.SetAsync($"k{i}", new byte[size], null, TestContext.CancellationToken);
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }
}
