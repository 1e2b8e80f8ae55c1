using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ImageKit.Tests.Documentation;

/// <summary>
/// Compiles documentation snippets with Roslyn against the ImageKit assembly, as an app would use it. The wrapping rule:
/// <list type="bullet">
/// <item>A snippet is one C# file of its own, as written: its <c>using</c> lines and then top-level statements (a
/// console app's <c>Program.cs</c>, <c>args</c> included), or, when it holds no statement, type declarations only (a
/// library).</item>
/// <item>Around it, what an app's project gives it: the implicit usings of a <c>Microsoft.NET.Sdk.Web</c> project (a
/// superset of a console app's) and references to the shared frameworks (.NET and ASP.NET Core) and the packages ImageKit
/// brings. No ImageKit namespace is imported for it: a reader copies one snippet, so each names the ones it uses.</item>
/// <item>The snippet's givens (<see cref="Givens"/>): what the README's snippets take as the app's own, for example
/// <c>url</c> (a <see cref="Uri"/>), <c>manager</c>, <c>cancellationToken</c>, and the app's <c>view</c>. They are
/// static members of the partial <c>Program</c> class, so a snippet that declares its own <c>url</c> or
/// <c>manager</c> shadows them.</item>
/// </list>
/// Errors fail; warnings (an unused variable, a nullable hint) do not.
/// </summary>
internal sealed class SnippetCompiler
{
    /// <summary>The file name diagnostics of a snippet give (<c>#line</c>), with the line in the Markdown file.</summary>
    private readonly string _documentName;

    private static readonly string[] s_sdkImplicitUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Net.Http.Json",
        "System.Threading", "System.Threading.Tasks",
        "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http",
        "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection",
        "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    ];

    /// <summary>The app's own variables, views and types that the snippets use without declaring them.</summary>
    internal const string Givens = """
        using System.Drawing;
        using ImageKit;
        using ImageKit.Animation;
        using ImageKit.Decoding;

        partial class Program
        {
            static Uri url = new("https://example.com/earth.gif");
            static ImageManager manager = ImageManager.Shared;
            static CancellationToken cancellationToken = CancellationToken.None;
            static AnimatedImagePlayer player = null!;
            static string token = "an access token";
            static AppView view = new();
            static ImageCell cell = new();
            static AppPicture placeholder = new(), errorImage = new();
            static void Draw(ReadOnlySpan<byte> pixels, int width, int height, int rowBytes) { }
        }

        // The app's views, with their own Show methods.
        sealed class AppView
        {
            public void Show(ImageFrame frame) { }
            public void Show(AnimatedImage image) { }
        }

        sealed class AppPicture { }

        sealed class ImageCell
        {
            public AppPicture? Image { get; set; }
            public void Show(ImageLoadResult result, bool crossFade) { }
        }

        // The app's DelegatingHandler for the "ImageKit" HttpClient.
        sealed class AuthHeaderHandler : DelegatingHandler { }
        """;

    private readonly CSharpCompilation _baseCompilation;

    private SnippetCompiler(string documentName, CSharpCompilation baseCompilation)
    {
        _documentName = documentName;
        _baseCompilation = baseCompilation;
    }

    private static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>
    /// Loads the references once: every assembly the test process runs with (its trusted platform assemblies: the shared
    /// frameworks, ImageKit and its packages), without this repository's other assemblies (tests, CLI, worker).
    /// </summary>
    public static SnippetCompiler Create(string documentName)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => IsReference(Path.GetFileNameWithoutExtension(path)))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();

        var globalUsings = string.Join(
            '\n', s_sdkImplicitUsings.Select(name => $"global using global::{name};"));

        var options = new CSharpCompilationOptions(OutputKind.ConsoleApplication)
            .WithNullableContextOptions(NullableContextOptions.Enable);
        var baseCompilation = CSharpCompilation.Create(
            "ReadmeSnippet",
            [
                CSharpSyntaxTree.ParseText(globalUsings, ParseOptions, "GlobalUsings.g.cs"),
                CSharpSyntaxTree.ParseText(Givens, ParseOptions, "Givens.cs"),
            ],
            references,
            options);
        return new SnippetCompiler(documentName, baseCompilation);

        static bool IsReference(string name) =>
            name == "ImageKit" || !name.StartsWith("ImageKit.", StringComparison.Ordinal);
    }

    /// <summary>
    /// The errors of one snippet, each as <c>README.md(line,column): error CSnnnn: message</c> with the line in the
    /// Markdown file; empty when it compiles.
    /// </summary>
    /// <param name="code">The snippet's text.</param>
    /// <param name="firstLine">The 1-based line of the snippet's first line in the Markdown file.</param>
    public IReadOnlyList<string> Compile(string code, int firstLine)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"#line {firstLine} \"{_documentName}\"\n{code}\n");
        var tree = CSharpSyntaxTree.ParseText(text, ParseOptions, path: _documentName + ".cs");
        var hasStatements = tree.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();

        // Derived from the base compilation, so every snippet shares its references, bound once (~0.7 s of the ~2.5 s).
        var compilation = _baseCompilation
            .WithOptions(_baseCompilation.Options.WithOutputKind(
                hasStatements ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary))
            .AddSyntaxTrees(tree);
        return compilation.GetDiagnostics()
            .Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error)
            .Select(diagnostic => diagnostic.ToString())
            .ToList();
    }
}
