using System.Globalization;
using ImageKit.Tests.Packaging;

namespace ImageKit.Tests.Documentation;

/// <summary>
/// Every <c>```csharp</c> block of README.md compiles against the SDK, so that the README cannot drift from the API.
/// How a snippet is wrapped and what it may take as given: <see cref="SnippetCompiler"/>. A snippet that cannot compile
/// here by nature (AppKit, <c>ImageKit.Mac</c>) carries <c>&lt;!-- snippet: macos-only --&gt;</c> on the line before its
/// fence, and the count of those is pinned, so that a new snippet is never skipped silently.
/// </summary>
[TestClass]
public sealed class ReadmeSnippetTests
{
    private const string MacOSOnly = "macos-only";

    /// <summary>The README's AppKit snippet (macOS views).</summary>
    private const int ExpectedMacOSOnlySnippets = 1;

    private static readonly Lazy<SnippetCompiler> s_compiler = new(() => SnippetCompiler.Create("README.md"));

    [TestMethod]
    public void Readme_EveryCSharpSnippet_CompilesAgainstTheSdk()
    {
        var snippets = ReadReadmeSnippets();

        var unknown = snippets.Where(s => s.Marker is not null and not MacOSOnly).ToList();
        Assert.IsEmpty(unknown, $"Unknown snippet markers (only '{MacOSOnly}' is known): " +
            string.Join(", ", unknown.Select(s => $"line {s.FenceLine - 1}: '{s.Marker}'")));
        var checkedSnippets = snippets.Where(s => s.Marker is null).ToList();
        Assert.AreEqual(
            ExpectedMacOSOnlySnippets,
            snippets.Count - checkedSnippets.Count,
            $"README.md snippets marked '{MacOSOnly}' (not compiled here): " +
            string.Join(", ", snippets.Where(s => s.Marker is not null).Select(s => $"line {s.FenceLine}")));

        // One after the other: on two cores, compiling in parallel took twice as long (the same Roslyn code JIT-compiled
        // on both threads).
        var failures = checkedSnippets
            .Select(snippet => (snippet, errors: s_compiler.Value.Compile(snippet.Code, snippet.FenceLine + 1)))
            .Where(result => result.errors.Count > 0)
            .Select(result => string.Create(
                CultureInfo.InvariantCulture,
                $"The snippet at README.md line {result.snippet.FenceLine} does not compile:\n  {string.Join("\n  ", result.errors)}"))
            .ToList();
        Assert.IsEmpty(failures, "\n" + string.Join("\n\n", failures));
    }

    [TestMethod]
    public void Compile_ASnippetThatUsesAMissingMember_FailsWithItsReadmeLineAndTheCompilerError()
    {
        var snippet = MarkdownSnippets.Parse("""
            # Title

            ```csharp
            using ImageKit;

            using var manager = new ImageManager();
            await manager.LoadPictureAsync(url);
            ```
            """).Single();

        var errors = s_compiler.Value.Compile(snippet.Code, snippet.FenceLine + 1);

        Assert.HasCount(1, errors);
        StringAssert.StartsWith(errors[0], "README.md(7,15): error CS1061:");
        StringAssert.Contains(errors[0], "LoadPictureAsync");
    }

    [TestMethod]
    public void Parse_AMarkerAwayFromItsFence_Throws()
    {
        Assert.ThrowsExactly<FormatException>(() => MarkdownSnippets.Parse("""
            <!-- snippet: macos-only -->
            Some prose.

            ```csharp
            var x = 1;
            ```
            """));
    }

    [TestMethod]
    public void Parse_MarkedAndOtherBlocks_ReturnsTheCSharpOnesWithTheirFenceLineAndMarker()
    {
        var snippets = MarkdownSnippets.Parse("""
            ```sh
            dotnet build
            ```

            <!-- snippet: macos-only -->
            ```csharp
            using AppKit;
            ```

            ```csharp
            var x = 1;
            var y = x;
            ```
            """);

        Assert.HasCount(2, snippets);
        Assert.AreEqual((6, "using AppKit;", "macos-only"), (snippets[0].FenceLine, snippets[0].Code, snippets[0].Marker));
        Assert.AreEqual((10, "var x = 1;\nvar y = x;", (string?)null), (snippets[1].FenceLine, snippets[1].Code, snippets[1].Marker));
    }

    private static IReadOnlyList<MarkdownSnippet> ReadReadmeSnippets() =>
        MarkdownSnippets.Parse(File.ReadAllText(Path.Combine(DotnetCli.FindRepositoryRoot(), "README.md")));
}
