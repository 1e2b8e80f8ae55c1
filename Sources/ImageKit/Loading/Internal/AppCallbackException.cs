namespace ImageKit.Loading.Internal;

/// <summary>
/// Carries an exception thrown by the application's own code inside an attempt (<see cref="ImageDownloaderOptions.RequestModifier"/>,
/// <see cref="ImageDownloaderOptions.AcceptStatusCode"/>) through the resilience pipeline untouched: an
/// <see cref="IOException"/> from an app's token fetch is not a network failure of the host, so it is neither retried nor
/// counted by the circuit breaker, and the caller gets the app's exception itself (see ImageDownloader.Translate).
/// </summary>
internal sealed class AppCallbackException : Exception
{
    public AppCallbackException(Exception innerException)
        : base(innerException?.Message, innerException)
    {
    }

    public AppCallbackException()
    {
    }

    public AppCallbackException(string message)
        : base(message)
    {
    }

    public AppCallbackException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
