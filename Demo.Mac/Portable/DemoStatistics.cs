using System.Globalization;
using System.Text;
using ImageKit;
using ImageKit.Animation;
using ImageKit.Caching;

namespace Demo.Mac.Portable;

/// <summary>
/// What the overlay shows, taken at one moment: memory in use, decoded-frame buffers, cache hits by tier and what the
/// players on screen have skipped.
/// </summary>
/// <param name="ManagedBytes">Bytes on the managed heap (<see cref="GC.GetTotalMemory(bool)"/>, without collecting).</param>
/// <param name="ResidentBytes">The process's resident size (<see cref="Environment.WorkingSet"/>): native pixels included.</param>
/// <param name="FrameBufferBytes">Decoded frames held by players' buffers, from their <see cref="FrameBudget"/>.</param>
/// <param name="FrameBufferCapacity">That budget's capacity.</param>
/// <param name="MemoryHits">Loads answered by the memory cache (strong and weak hits).</param>
/// <param name="DiskHits">Loads answered by the disk cache.</param>
/// <param name="DiskMisses">Disk lookups that found nothing: loads that went on to the network (or a file).</param>
/// <param name="Players">Players on screen.</param>
/// <param name="FramesShown">Frames those players have shown.</param>
/// <param name="FramesSkipped">Frames those players skipped (not decoded in time, or shorter than a refresh).</param>
internal sealed record DemoStatistics(
    long ManagedBytes,
    long ResidentBytes,
    long FrameBufferBytes,
    long FrameBufferCapacity,
    long MemoryHits,
    long DiskHits,
    long DiskMisses,
    int Players,
    long FramesShown,
    long FramesSkipped)
{
    /// <summary>Takes the snapshot from a manager's caches (when it uses an <see cref="ImageCache"/>), some players and a budget.</summary>
    /// <param name="manager">The manager the views load through (the app uses <see cref="ImageManager.Shared"/>).</param>
    /// <param name="players">The players on screen; <see langword="null"/> entries (empty cells) are ignored.</param>
    /// <param name="budget">The players' frame budget (the app uses <see cref="FrameBudget.Shared"/>).</param>
    /// <param name="cancellationToken">Cancels reading the disk cache's totals.</param>
    public static async Task<DemoStatistics> CaptureAsync(
        ImageManager manager,
        IEnumerable<AnimatedImagePlayer?> players,
        FrameBudget budget,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(players);
        ArgumentNullException.ThrowIfNull(budget);
        var memory = (manager.Cache as ImageCache)?.Memory.Statistics;
        var disk = manager.Cache is ImageCache { Disk: { } diskCache }
            ? await diskCache.GetStatisticsAsync(cancellationToken).ConfigureAwait(false)
            : null;
        var playing = players.OfType<AnimatedImagePlayer>().Select(static p => p.Statistics).ToList();
        return From(memory, disk, playing, budget, GC.GetTotalMemory(forceFullCollection: false), Environment.WorkingSet);
    }

    /// <summary>Combines the parts of a snapshot (absent caches count as zero).</summary>
    public static DemoStatistics From(
        MemoryCacheStatistics? memory,
        DiskCacheStatistics? disk,
        IReadOnlyCollection<PlayerStatistics> players,
        FrameBudget budget,
        long managedBytes,
        long residentBytes)
    {
        ArgumentNullException.ThrowIfNull(players);
        ArgumentNullException.ThrowIfNull(budget);
        return new DemoStatistics(
            managedBytes,
            residentBytes,
            budget.UsedBytes,
            budget.CapacityBytes,
            memory is null ? 0 : memory.Hits + memory.WeakHits,
            disk?.Hits ?? 0,
            disk?.Misses ?? 0,
            players.Count,
            players.Sum(static s => s.FramesShown),
            players.Sum(static s => s.FramesSkipped));
    }

    /// <summary>The overlay's text: one fact a line, invariant culture, sizes in MiB.</summary>
    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"memory      {MiB(ResidentBytes)} resident, {MiB(ManagedBytes)} managed");
        text.AppendLine(c, $"frames      {MiB(FrameBufferBytes)} of {MiB(FrameBufferCapacity)} buffered");
        text.AppendLine(c, $"cache hits  memory {MemoryHits}, disk {DiskHits} ({DiskMisses} went to the network)");
        text.Append(c, $"players     {Players}: {FramesShown} frames shown, {FramesSkipped} skipped");
        return text.ToString();
    }

    private static string MiB(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
