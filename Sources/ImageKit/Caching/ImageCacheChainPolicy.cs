namespace ImageKit.Caching;

/// <summary>How an <see cref="ImageCacheChain"/> spreads an operation over its caches (ordered from highest priority).</summary>
public enum ImageCacheChainPolicy
{
    /// <summary>Query: each cache in order until the first hit. Store, remove, clear: every cache.</summary>
    FirstHit,

    /// <summary>Query: every cache at once, the highest-priority hit wins. Store, remove, clear: every cache.</summary>
    All,

    /// <summary>Only the first (highest-priority) cache.</summary>
    HighestPriorityOnly,

    /// <summary>Only the last (lowest-priority) cache.</summary>
    LowestPriorityOnly,
}
