using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// Every error about the cache folder is one line that names the option, as the CLI's other option errors do
/// (<c>imagekit: --max-size: …</c>): <c>imagekit: --cache-dir: …</c>, the folder named in the reason. An error the
/// disk cache itself found was named by the folder alone (<c>imagekit: /path: …</c>), unlike the ones the commands
/// found themselves.
/// </summary>
[TestClass]
public sealed class CacheDirErrorLineTests
{
    private const string AnotherProgramsDatabase =
        "index.sqlite there is another program's SQLite database (1 schema objects, no ImageKit index version); the cache will not touch it: choose another folder";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("stats")]
    [DataRow("clear")]
    [DataRow("trim")]
    public async Task Cache_FolderHoldsAnotherProgramsDatabase_LineNamesTheOptionThenTheFolder(string command)
    {
        using var folder = new TempFolder();
        CreateAnotherProgramsDatabase(folder.Path);

        var result = await CliRunner.RunAsync("cache", command, "--cache-dir", folder.Path);

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        Assert.AreEqual(string.Empty, result.Stdout);
        Assert.AreEqual($"imagekit: --cache-dir: {folder.Path}: {AnotherProgramsDatabase}\n", result.Stderr.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    [DataRow("stats")]
    [DataRow("clear")]
    public async Task Cache_FolderMissing_LineNamesTheOptionThenTheFolder(string command)
    {
        using var folder = new TempFolder();
        var missing = folder.Combine("missing");

        var result = await CliRunner.RunAsync("cache", command, "--cache-dir", missing);

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        Assert.AreEqual($"imagekit: --cache-dir: no disk cache at {missing}: the folder does not exist\n", result.Stderr.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public async Task Fetch_CacheFolderHoldsAnotherProgramsDatabase_LineNamesTheOptionThenTheFolder()
    {
        using var folder = new TempFolder();
        CreateAnotherProgramsDatabase(folder.Path);

        var result = await CliRunner.RunAsync("fetch", "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==", "--cache-dir", folder.Path);

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        Assert.AreEqual(string.Empty, result.Stdout);
        Assert.AreEqual($"imagekit: --cache-dir: {folder.Path}: {AnotherProgramsDatabase}\n", result.Stderr.ReplaceLineEndings("\n"));
    }

    private static void CreateAnotherProgramsDatabase(string folder)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(folder, "index.sqlite")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE notes(text); INSERT INTO notes VALUES ('keep');";
        command.ExecuteNonQuery();
    }
}
