using System.Diagnostics;
using ImageKit.Internal;

namespace ImageKit.Cli.Fetching;

/// <summary>Loads URLs through an <see cref="ImageManager"/> a few at a time, turning each failure into an outcome.</summary>
internal static class FetchRunner
{
    /// <summary>What fetching loads with: a URL counts as fetched once its bytes are stored.</summary>
    public static readonly ImageLoadOptions LoadOptions = new() { WaitForDiskStore = true };

    public static async Task<FetchSummary> RunAsync(
        ImageManager manager, IReadOnlyList<Uri> urls, int concurrency, Action<FetchOutcome>? onDone, CancellationToken cancellationToken, ImageLoadOptions? options = null)
    {
        options ??= LoadOptions;
        var results = new FetchOutcome[urls.Count];
        var watch = Stopwatch.StartNew();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };

        // A URL given again loads after its first time has ended, so that it is the memory (or disk) hit it is: loaded at
        // the same time, it would share the first one's download and count as a second download in the summary.
        var seen = new HashSet<Uri>();
        var firsts = new List<int>(urls.Count);
        var repeats = new List<int>();
        for (var i = 0; i < urls.Count; i++)
        {
            (seen.Add(urls[i]) ? firsts : repeats).Add(i);
        }

        List<int>[] batches = repeats.Count == 0 ? [firsts] : [firsts, repeats];
        foreach (var batch in batches)
        {
            await Parallel.ForEachAsync(batch, parallel, async (i, token) =>
            {
                var outcome = await LoadAsync(manager, urls[i], options, token).ConfigureAwait(false);
                results[i] = outcome;
                onDone?.Invoke(outcome);
            }).ConfigureAwait(false);
        }

        return new FetchSummary(results, watch.Elapsed);
    }

    private static async Task<FetchOutcome> LoadAsync(ImageManager manager, Uri url, ImageLoadOptions options, CancellationToken cancellationToken)
    {
        try
        {
            // Fetching fills the disk cache: a URL counts as fetched once its bytes are stored (a failed store fails it),
            // and several stores at once keep up with the downloads better than the manager's one background store.
            using var result = await manager.LoadImageAsync(url, options, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new FetchOutcome(UrlText.Redact(url), UrlText.Describe(url), SourceName(result.Source), result.Image.EncodedData.Length, result.Image.FrameCount, null);
        }
        catch (ImageKitException e)
        {
            return new FetchOutcome(UrlText.Redact(url), UrlText.Describe(url), "failed", 0, 0, e.Message.ReplaceLineEndings(" "));
        }
    }

    private static string SourceName(ImageLoadSource source) => source switch
    {
        ImageLoadSource.Memory => "memory",
        ImageLoadSource.Disk => "disk",
        _ => "network",
    };
}
