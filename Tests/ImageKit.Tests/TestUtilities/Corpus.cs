using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageKit.Tests.TestUtilities;

/// <summary>The conformance corpus copied under Fixtures/corpus, with its manifest of expected values.</summary>
internal static class Corpus
{
    private static readonly Lazy<IReadOnlyList<CorpusEntry>> s_entries = new(Load);

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "corpus");

    public static string ReferenceDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference");

    public static IReadOnlyList<CorpusEntry> Entries => s_entries.Value;

    public static CorpusEntry Get(string file) => Entries.Single(e => e.File == file);

    public static string PathOf(string file) => Path.Combine(Directory, file);

    public static byte[] Read(string file) => File.ReadAllBytes(PathOf(file));

    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };

    private static List<CorpusEntry> Load()
    {
        using var stream = File.OpenRead(Path.Combine(Directory, "manifest.json"));
        return JsonSerializer.Deserialize<List<CorpusEntry>>(stream, s_json)
            ?? throw new InvalidDataException("manifest.json is empty");
    }
}

internal sealed record CorpusEntry
{
    public required string File { get; init; }

    public required string Format { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    [JsonPropertyName("frame_count")]
    public int FrameCount { get; init; }

    [JsonPropertyName("loop_count")]
    public int? LoopCount { get; init; }

    [JsonPropertyName("durations_ms")]
    public double[] DurationsMs { get; init; } = [];

    [JsonPropertyName("has_alpha")]
    public bool? HasAlpha { get; init; }

    [JsonPropertyName("expected_outcome")]
    public required string ExpectedOutcome { get; init; }

    public string? Notes { get; init; }

    public string? Licence { get; init; }

    [JsonPropertyName("source_repo")]
    public string? SourceRepo { get; init; }

    public override string ToString() => File;
}
