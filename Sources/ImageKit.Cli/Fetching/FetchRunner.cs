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
        await Parallel.ForEachAsync(Enumerable.Range(0, urls.Count), parallel, async (i, token) =>
        {
            var url = urls[i];
            FetchOutcome outcome;
            try
            {
                // Fetching fills the disk cache: a URL counts as fetched once its bytes are stored (a failed store fails it),
                // and several stores at once keep up with the downloads better than the manager's one background store.
                using var result = await manager.LoadImageAsync(url, options, cancellationToken: token).ConfigureAwait(false);
                outcome = new FetchOutcome(UrlText.Redact(url), UrlText.Describe(url), SourceName(result.Source), result.Image.EncodedData.Length, result.Image.FrameCount, null);
            }
            catch (ImageKitException e)
            {
                outcome = new FetchOutcome(UrlText.Redact(url), UrlText.Describe(url), "failed", 0, 0, e.Message.ReplaceLineEndings(" "));
            }

            results[i] = outcome;
            onDone?.Invoke(outcome);
        }).ConfigureAwait(false);
        return new FetchSummary(results, watch.Elapsed);
    }

    private static string SourceName(ImageLoadSource source) => source switch
    {
        ImageLoadSource.Memory => "memory",
        ImageLoadSource.Disk => "disk",
        _ => "network",
    };
}
