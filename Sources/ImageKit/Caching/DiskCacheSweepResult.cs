namespace ImageKit.Caching;

/// <summary>What <see cref="DiskImageCache.SweepAsync"/> repaired.</summary>
/// <param name="OrphanFilesRemoved">Blob files with no index row (left by a crash or a rebuilt index) or whose entry now lives inside the index, and stale temporary files, deleted.</param>
/// <param name="BrokenRowsRemoved">Index rows whose bytes (file or inline) were missing or of the wrong length, deleted.</param>
public sealed record DiskCacheSweepResult(int OrphanFilesRemoved, int BrokenRowsRemoved);
