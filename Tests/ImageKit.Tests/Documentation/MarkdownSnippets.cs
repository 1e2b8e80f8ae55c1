using System.Globalization;

namespace ImageKit.Tests.Documentation;

/// <summary>One <c>```csharp</c> block of a Markdown file.</summary>
/// <param name="FenceLine">The 1-based line of its opening fence.</param>
/// <param name="Code">The lines between the fences.</param>
/// <param name="Marker">The <c>&lt;!-- snippet: … --&gt;</c> marker on the line before the fence, or <see langword="null"/>.</param>
internal sealed record MarkdownSnippet(int FenceLine, string Code, string? Marker);

/// <summary>
/// Finds the <c>```csharp</c> blocks of a Markdown file and the markers before them. A marker is an HTML comment
/// (<c>&lt;!-- snippet: macos-only --&gt;</c>), invisible on GitHub, alone on the line just before an opening fence.
/// </summary>
internal static class MarkdownSnippets
{
    private const string MarkerStart = "<!-- snippet:";
    private const string MarkerEnd = "-->";

    /// <summary>The blocks in order; a marker that is not just before a <c>```csharp</c> fence, or a block never closed, throws.</summary>
    public static IReadOnlyList<MarkdownSnippet> Parse(string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var snippets = new List<MarkdownSnippet>();
        string? marker = null;
        var markerLine = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith(MarkerStart, StringComparison.Ordinal))
            {
                if (!line.EndsWith(MarkerEnd, StringComparison.Ordinal))
                {
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {i + 1}: a snippet marker must be one line ending with -->."));
                }

                marker = line[MarkerStart.Length..^MarkerEnd.Length].Trim();
                markerLine = i + 1;
                continue;
            }

            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                var isCSharp = line is "```csharp" or "```cs" or "```c#";
                var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                if (end < 0)
                {
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {i + 1}: the code block is never closed."));
                }

                if (isCSharp)
                {
                    snippets.Add(new MarkdownSnippet(i + 1, string.Join('\n', lines[(i + 1)..end]), marker));
                }
                else if (marker is not null)
                {
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {markerLine}: the snippet marker is not followed by a ```csharp fence."));
                }

                marker = null;
                i = end;
                continue;
            }

            if (marker is not null)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {markerLine}: the snippet marker is not on the line just before a ```csharp fence."));
            }
        }

        return marker is null
            ? snippets
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {markerLine}: the snippet marker is not followed by a ```csharp fence."));
    }
}
