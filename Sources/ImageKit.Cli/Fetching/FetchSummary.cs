using System.Globalization;
using System.Text;
using System.Text.Json;
using ImageKit.Cli.Output;

namespace ImageKit.Cli.Fetching;

/// <summary>The outcomes of a fetch and their totals, as text or as the one JSON object of <c>fetch --json</c>.</summary>
internal sealed record FetchSummary(IReadOnlyList<FetchOutcome> Results, TimeSpan Elapsed)
{
    /// <summary>Whole milliseconds, as <c>--json</c>'s <c>elapsedMs</c> gives them.</summary>
    public long ElapsedMs => (long)Elapsed.TotalMilliseconds;

    /// <summary>
    /// The time for text output: hundredths below 10 ms (memory hits take a fraction of one), else whole milliseconds.
    /// Cut, not rounded, as <see cref="ElapsedMs"/> is: 9.996 ms is <c>9.99 ms</c>, never <c>10.00 ms</c>.
    /// </summary>
    public string ElapsedText => Elapsed.TotalMilliseconds < 10
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(Elapsed.TotalMilliseconds * 100) / 100:0.00} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{ElapsedMs} ms");

    public int Count(string source) => Results.Count(r => r.Source == source);

    public long Bytes => Results.Where(static r => !r.Failed).Sum(static r => r.Bytes);

    public bool AnyFailed => Results.Any(static r => r.Failed);

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("results");
            foreach (var result in Results)
            {
                writer.WriteStartObject();
                writer.WriteString("url", result.Url);
                writer.WriteString("source", result.Source);
                writer.WriteNumber("bytes", result.Bytes);
                writer.WriteNumber("frameCount", result.FrameCount);
                if (result.Error is null)
                {
                    writer.WriteNull("error");
                }
                else
                {
                    writer.WriteString("error", result.Error);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("summary");
            writer.WriteNumber("memory", Count("memory"));
            writer.WriteNumber("disk", Count("disk"));
            writer.WriteNumber("network", Count("network"));
            writer.WriteNumber("failed", Count("failed"));
            writer.WriteNumber("bytes", Bytes);
            writer.WriteNumber("elapsedMs", ElapsedMs);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"{Quantity.Of(Results.Count, "URL", "URLs")} in {ElapsedText}: {Count("memory")} from memory, {Count("disk")} from disk, {Count("network")} downloaded, {Count("failed")} failed; {Bytes:N0} bytes");
        foreach (var failure in Results.Where(static r => r.Failed))
        {
            text.AppendLine(c, $"  failed  {TerminalText.Printable(failure.Name)}: {TerminalText.Printable(failure.Error ?? string.Empty)}");
        }

        return text.ToString();
    }
}
