namespace ImageKit.Benchmarks;

/// <summary>The benchmark inputs: 480x360, 60-frame animations made by tools/make-benchmark-fixtures.sh.</summary>
internal static class BenchmarkInputs
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", FileName(name)));

    public static string FileName(string name) => name switch
    {
        "gif" => "flight-480x360.gif",
        "webp" => "flight-480x360.webp",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "gif or webp"),
    };
}
