namespace ImageKit.Loading;

/// <summary>
/// A circuit breaker per host (scheme, host and port): when at least <see cref="FailureRatio"/> of at least
/// <see cref="MinimumThroughput"/> attempts within <see cref="SamplingDuration"/> failed transiently (network errors,
/// timeouts, <c>408</c>, <c>429</c>, <c>5xx</c>), downloads from that host fail at once with
/// <see cref="ImageDownloadFailure.CircuitOpen"/> for <see cref="BreakDuration"/>, then one trial attempt decides whether
/// it closes. Read once when the downloader is created.
/// </summary>
public sealed class ImageDownloadCircuitBreakerOptions
{
    /// <summary>Whether the circuit breaker is used.</summary>
    /// <value>Default: <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>The share of failed attempts, between 0 (exclusive) and 1, that opens the circuit.</summary>
    /// <value>Default: 0.5.</value>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>How many attempts the sampling window must hold before the ratio counts; at least 2.</summary>
    /// <value>Default: 10.</value>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>The window in which failures are counted; at least 0.5 s.</summary>
    /// <value>Default: 30 s.</value>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open before a trial attempt; at least 0.5 s.</summary>
    /// <value>Default: 15 s.</value>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A copy: what a downloader keeps, so that changes to this instance afterwards have no effect.</summary>
    internal ImageDownloadCircuitBreakerOptions Copy() => new()
    {
        Enabled = Enabled,
        FailureRatio = FailureRatio,
        MinimumThroughput = MinimumThroughput,
        SamplingDuration = SamplingDuration,
        BreakDuration = BreakDuration,
    };

    internal void Validate()
    {
        if (!Enabled)
        {
            return;
        }

        if (FailureRatio is <= 0 or > 1 || double.IsNaN(FailureRatio))
        {
            throw new ArgumentOutOfRangeException(nameof(FailureRatio), FailureRatio, "CircuitBreaker.FailureRatio must be greater than 0 and at most 1.");
        }

        if (MinimumThroughput < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumThroughput), MinimumThroughput, "CircuitBreaker.MinimumThroughput must be at least 2.");
        }

        if (SamplingDuration < TimeSpan.FromMilliseconds(500) || SamplingDuration > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(SamplingDuration), SamplingDuration, "CircuitBreaker.SamplingDuration must be between 0.5 s and 1 day.");
        }

        if (BreakDuration < TimeSpan.FromMilliseconds(500) || BreakDuration > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(BreakDuration), BreakDuration, "CircuitBreaker.BreakDuration must be between 0.5 s and 1 day.");
        }
    }
}
