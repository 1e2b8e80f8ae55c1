using SharpFuzz;

namespace ImageKit.Fuzz;

/// <summary>
/// Fuzz targets for AFL++ (through SharpFuzz): <c>decode</c> (<see cref="DecodeTarget"/>), <c>disk-index</c> and
/// <c>disk-index-shared</c> (<see cref="DiskIndexTarget"/>), <c>http-response</c> (<see cref="HttpResponseTarget"/>).
/// docs/fuzzing.md says how to run them.
/// </summary>
internal static class Program
{
    /// <summary>
    /// <c>fuzz TARGET [--self-test]</c>: run under <c>afl-fuzz</c> (the SharpFuzz-instrumented ImageKit.dll beside this
    /// program); with <c>--self-test</c> every input that passes is a finding, to check that findings are seen.
    /// <c>replay TARGET PATH...</c>: run files or folders of inputs once each and print what happened.
    /// <c>seed disk-index FILE</c>: write a seed index. <c>seed http-response FOLDER</c>: write seed responses.
    /// </summary>
    public static int Main(string[] args)
    {
        switch (args)
        {
            case ["fuzz", var target] when Target(target) is { } run:
                Fuzz(run, selfTest: false);
                return 0;
            case ["fuzz", var target, "--self-test"] when Target(target) is { } run:
                Fuzz(run, selfTest: true);
                return 0;
            case ["replay", var target, .. var paths] when paths.Length > 0 && Target(target) is { } run:
                return Replay(run, paths);
            case ["seed", "disk-index", var path]:
                DiskIndexTarget.MakeSeed(path);
                return 0;
            case ["seed", "http-response", var folder]:
                HttpResponseTarget.MakeSeeds(folder);
                return 0;
            default:
                Console.Error.WriteLine("usage: ImageKit.Fuzz fuzz TARGET [--self-test] | replay TARGET PATH... | seed disk-index FILE | seed http-response FOLDER (TARGET: decode, disk-index, disk-index-shared, http-response)");
                return 2;
        }
    }

    private static Func<byte[], string>? Target(string name) => name switch
    {
        "decode" => DecodeTarget.Exercise,
        "disk-index" => DiskIndexTarget.Exercise,
        "disk-index-shared" => DiskIndexTarget.ExerciseShared,
        "http-response" => HttpResponseTarget.Exercise,
        _ => null,
    };

    // With IMAGEKIT_FUZZ_LOG set, every finding's exception is appended to that file before AFL++ sees the crash: AFL++
    // keeps the input but not what the target printed, and a finding that depends on timing may not replay.
    private static void Fuzz(Func<byte[], string> run, bool selfTest)
    {
        var log = Environment.GetEnvironmentVariable("IMAGEKIT_FUZZ_LOG");
        Fuzzer.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            string outcome;
            try
            {
                outcome = run(copy.ToArray());
            }
            catch (Exception e) when (log is not null && Record(log, copy.ToArray(), e))
            {
                throw; // not reached: Record returns false
            }

            if (selfTest && !outcome.StartsWith("rejected", StringComparison.Ordinal) && !outcome.StartsWith("refused", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("self-test finding");
            }
        });
    }

    // Appends the finding and returns false, so that the exception propagates unchanged from where it was thrown.
    private static bool Record(string log, byte[] input, Exception e)
    {
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(input))[..16];
        var sqlite = e as Microsoft.Data.Sqlite.SqliteException ?? e.InnerException as Microsoft.Data.Sqlite.SqliteException;
        var codes = sqlite is null ? "" : $" (SQLite code {sqlite.SqliteErrorCode}, extended {sqlite.SqliteExtendedErrorCode})";
        File.AppendAllText(log, $"=== {DateTime.UtcNow:O} input sha256 {hash}, {input.Length} bytes{codes}{Environment.NewLine}{e}{Environment.NewLine}");
        return false;
    }

    private static int Replay(Func<byte[], string> run, string[] paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : [p]).Order(StringComparer.Ordinal).ToArray();
        var failures = 0;
        foreach (var file in files)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                var outcome = run(File.ReadAllBytes(file));
                Console.WriteLine($"{Path.GetFileName(file)}: {outcome} ({System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms)");
            }
#pragma warning disable CA1031 // Replay reports every unexpected exception and goes on with the next input.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                var sqlite = e.InnerException as Microsoft.Data.Sqlite.SqliteException;
                Console.WriteLine($"{Path.GetFileName(file)}: FINDING {e.GetType().FullName}: {e.Message}{(sqlite is null ? "" : $" (SQLite code {sqlite.SqliteErrorCode}, extended {sqlite.SqliteExtendedErrorCode})")}");
                Console.WriteLine(e.StackTrace);
            }
        }

        Console.WriteLine($"{files.Length} inputs, {failures} findings");
        return failures == 0 ? 0 : 1;
    }
}
