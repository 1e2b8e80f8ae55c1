using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Packaging;

/// <summary>
/// Packs the imagekit tool from the build this test run already made (<c>--no-build</c>, so it never competes with that
/// build), installs the package into a temporary tool path from that package alone (a private package cache and a
/// nuget.config with only the local folder: offline, and never a stale copy of the same version from the user's cache),
/// and runs the installed command.
/// </summary>
[TestClass]
[TestCategory("Packaging")]
public sealed class ToolPackageTests
{
    private const string Configuration =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    // Hang guards, not speed limits: pack takes ~9 s on an idle machine, but it is a whole MSBuild process that competes
    // with the rest of the suite (and, on a shared machine, with everything else); on a loaded 2-core machine it took
    // more than 3 min twice.
    private static readonly TimeSpan s_packTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan s_installTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromMinutes(1);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(12 * 60 * 1000, CooperativeCancellation = true)]
    public async Task PackedTool_InstalledFromTheLocalPackage_InspectsAGifAsJson()
    {
        var root = DotnetCli.FindRepositoryRoot();
        var temp = Directory.CreateTempSubdirectory("imagekit-tool-");
        try
        {
            var feed = Path.Combine(temp.FullName, "feed");
            var pack = await DotnetCli.RunAsync(
                DotnetCli.Executable,
                ["pack", Path.Combine(root, "Sources", "ImageKit.Cli", "ImageKit.Cli.csproj"), "--no-build", "-c", Configuration, "-o", feed],
                s_packTimeout,
                cancellationToken: TestContext.CancellationToken);
            TestContext.WriteLine($"pack: {pack.Elapsed.TotalSeconds:0.0} s");
            Assert.AreEqual(0, pack.ExitCode, pack.ToString());

            var package = Directory.GetFiles(feed, "ImageKit.Tool.*.nupkg").SingleOrDefault(p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
            Assert.IsNotNull(package, $"no ImageKit.Tool package in {feed}: {string.Join(", ", Directory.GetFiles(feed))}\n{pack}");
            var version = AssertPackageMetadata(package);
            Assert.IsTrue(File.Exists(Path.ChangeExtension(package, ".snupkg")), "symbol package");

            var config = Path.Combine(temp.FullName, "nuget.config");
            await File.WriteAllTextAsync(config, NuGetConfig(feed), TestContext.CancellationToken);
            var tools = Path.Combine(temp.FullName, "tools");
            var install = await DotnetCli.RunAsync(
                DotnetCli.Executable,
                ["tool", "install", "ImageKit.Tool", "--tool-path", tools, "--configfile", config, "--version", version],
                s_installTimeout,
                new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(temp.FullName, "packages") },
                TestContext.CancellationToken);
            TestContext.WriteLine($"install: {install.Elapsed.TotalSeconds:0.0} s");
            Assert.AreEqual(0, install.ExitCode, install.ToString());

            var command = Path.Combine(tools, OperatingSystem.IsWindows() ? "imagekit.exe" : "imagekit");
            Assert.IsTrue(File.Exists(command), $"{command} missing after install\n{install}");
            var file = "animated-red-blue.gif";
            var run = await DotnetCli.RunAsync(
                command,
                ["inspect", Corpus.PathOf(file), "--json"],
                s_runTimeout,
                new Dictionary<string, string> { ["DOTNET_ROOT"] = DotnetCli.Root },
                TestContext.CancellationToken);
            TestContext.WriteLine($"run: {run.Elapsed.TotalSeconds:0.0} s");

            Assert.AreEqual(0, run.ExitCode, run.ToString());
            Assert.AreEqual(string.Empty, run.Stderr, run.ToString());
            AssertInspectJson(run.Stdout, Corpus.Get(file));
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private static string AssertPackageMetadata(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var nuspecEntry = zip.Entries.Single(e => e.FullName == "ImageKit.Tool.nuspec");
        using var stream = nuspecEntry.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        Assert.AreEqual("ImageKit.Tool", Value("id"));
        Assert.AreEqual("MIT", Value("license"));
        Assert.AreEqual("README.md", Value("readme"));
        Assert.IsNotNull(zip.GetEntry("README.md"), "package readme");
        Assert.IsNotNull(metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "repository")?.Attribute("url"), "repository metadata");
        Assert.IsNotNull(zip.Entries.SingleOrDefault(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal)), "tool settings");
        Assert.IsEmpty(zip.Entries.Where(e => e.FullName.Contains("/native/", StringComparison.Ordinal) && e.FullName.EndsWith(".pdb", StringComparison.Ordinal)), "no native symbol files");
        return Value("version") ?? throw new AssertFailedException("no version in the nuspec");
    }

    private static void AssertInspectJson(string stdout, CorpusEntry expected)
    {
        Assert.HasCount(1, stdout.Trim().Split('\n'), $"one JSON line: {stdout}");
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.AreEqual("gif", root.GetProperty("format").GetString());
        Assert.AreEqual(expected.Width, root.GetProperty("width").GetInt32());
        Assert.AreEqual(expected.Height, root.GetProperty("height").GetInt32());
        Assert.AreEqual(expected.FrameCount, root.GetProperty("frameCount").GetInt32());
        // The manifest stores the GIF's NETSCAPE field n; ImageKit reports plays in total, n + 1.
        Assert.AreEqual(expected.LoopCount + 1, root.GetProperty("loopCount").GetInt32());
        Assert.AreEqual(expected.HasAlpha, root.GetProperty("hasAlpha").GetBoolean());
        CollectionAssert.AreEqual(expected.DurationsMs, root.GetProperty("durationsMs").EnumerateArray().Select(d => d.GetDouble()).ToArray());
    }

    private static string NuGetConfig(string feed) =>
        new XDocument(
            new XElement(
                "configuration",
                new XElement(
                    "packageSources",
                    new XElement("clear"),
                    new XElement("add", new XAttribute("key", "local"), new XAttribute("value", feed))))).ToString();
}
