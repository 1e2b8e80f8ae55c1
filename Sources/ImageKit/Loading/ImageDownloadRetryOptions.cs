namespace ImageKit.Loading;

/// <summary>
/// How transient failures are retried: exponential backoff with jitter, after a connection error, an attempt timeout,
/// <c>408</c>, <c>429</c> or a <c>5xx</c> status other than <c>501</c> and <c>505</c>. A <c>Retry-After</c> header (seconds
/// or a date) replaces the computed delay, capped by <see cref="MaxDelay"/>. Read once when the downloader is created.
/// </summary>
public sealed class ImageDownloadRetryOptions
{
    /// <summary>How many times a failed attempt is retried; 0 disables retries. At most 100.</summary>
    /// <value>Default: 3 (so at most 4 attempts).</value>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The delay before the first retry; later ones double it, with random jitter.</summary>
    /// <value>Default: 200 ms.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay between two attempts, <c>Retry-After</c> included.</summary>
    /// <value>Default: 10 s.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A copy: what a downloader keeps, so that changes to this instance afterwards have no effect.</summary>
    internal ImageDownloadRetryOptions Copy() => new() { MaxRetries = MaxRetries, BaseDelay = BaseDelay, MaxDelay = MaxDelay };

    internal void Validate()
    {
        if (MaxRetries is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "Retry.MaxRetries must be between 0 and 100.");
        }

        if (BaseDelay < TimeSpan.Zero || BaseDelay > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(BaseDelay), BaseDelay, "Retry.BaseDelay must be between 0 and 1 day.");
        }

        if (MaxDelay < BaseDelay || MaxDelay > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, "Retry.MaxDelay must be at least BaseDelay and at most 1 day.");
        }
    }
}
