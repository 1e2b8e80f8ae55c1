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

    /// <summary>
    /// Whether the limit was broken by what <see cref="ImageDecodeOptions.Transformers"/> make of the image, which is within
    /// the limits itself: no fault of the bytes, which a cache keeps.
    /// </summary>
    internal bool ByTransformers { get; set; }
}
