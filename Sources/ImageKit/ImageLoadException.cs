namespace ImageKit;

/// <summary>
/// A load that could not produce an image for a reason of its own: no loader for the URL's scheme, not in the cache with
/// <see cref="ImageLoadOptions.FromCacheOnly"/>, or a URL that failed recently and is not retried
/// (<see cref="ImageLoadOptions.RetryFailed"/>). Download and decoding failures keep their own types
/// (<see cref="Loading.ImageDownloadException"/>, <see cref="Decoding.ImageDecodingException"/>…).
/// </summary>
public class ImageLoadException : ImageKitException
{
    /// <summary>Creates an exception for <paramref name="url"/> with the reason.</summary>
    public ImageLoadException(Uri url, string reason, Exception? innerException = null)
        : base(url is null ? null : Internal.UrlText.Describe(url), reason, innerException)
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public ImageLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public ImageLoadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with no message.</summary>
    public ImageLoadException()
    {
    }
}
