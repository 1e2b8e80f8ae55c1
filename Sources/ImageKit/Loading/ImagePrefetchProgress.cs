namespace ImageKit.Loading;

/// <summary>How far a prefetch has come.</summary>
/// <param name="Finished">URLs loaded into the caches.</param>
/// <param name="Skipped">URLs already where the prefetch would put them (on disk when it stores on disk), not loaded again.</param>
/// <param name="Failed">URLs that failed.</param>
/// <param name="Total">All URLs of the prefetch.</param>
public sealed record ImagePrefetchProgress(int Finished, int Skipped, int Failed, int Total)
{
    /// <summary>URLs done one way or another.</summary>
    public int Completed => Finished + Skipped + Failed;
}
