using ImageKit.Loading;

namespace ImageKit.Tests.Loading;

internal static class DownloadTestOptions
{
    /// <summary>Options with millisecond retry delays and no circuit breaker, so fault tests stay fast and independent.</summary>
    public static ImageDownloaderOptions Fast(int maxRetries = 3) => new()
    {
        AttemptTimeout = TimeSpan.FromSeconds(10),
        Retry = new ImageDownloadRetryOptions { MaxRetries = maxRetries, BaseDelay = TimeSpan.FromMilliseconds(2), MaxDelay = TimeSpan.FromMilliseconds(50) },
        CircuitBreaker = new ImageDownloadCircuitBreakerOptions { Enabled = false },
    };

    /// <summary>A generous bound for waits that should end quickly, so a broken test fails instead of hanging.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
}
