namespace ImageKit.Decoding;

/// <summary>
/// The image declares more than a <see cref="DecodingLimits"/> limit allows. It is thrown before any large allocation.
/// </summary>
public sealed class ImageLimitExceededException : ImageDecodingException
{
    /// <summary>Creates an exception with a message.</summary>
    public ImageLimitExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public ImageLimitExceededException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with no message.</summary>
    public ImageLimitExceededException()
    {
    }
}
