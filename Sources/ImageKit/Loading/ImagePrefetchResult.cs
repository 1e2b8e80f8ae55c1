namespace ImageKit.Loading;

/// <summary>What a prefetch did: the final counts and each failure with its error.</summary>
/// <param name="Progress">The final counts.</param>
/// <param name="Failures">The URLs that failed, with why.</param>
public sealed record ImagePrefetchResult(ImagePrefetchProgress Progress, IReadOnlyList<(Uri Url, Exception Error)> Failures);
