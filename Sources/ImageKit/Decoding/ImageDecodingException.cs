namespace ImageKit.Decoding;

/// <summary>
/// The encoded data could not be decoded: it is corrupt, truncated, or breaks a <see cref="DecodingLimits"/> limit.
/// </summary>
public class ImageDecodingException : ImageKitException
{
    /// <summary>Creates an exception with a message.</summary>
    public ImageDecodingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public ImageDecodingException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with no message.</summary>
    public ImageDecodingException()
    {
    }

    /// <summary>The index of the frame that failed, or <see langword="null"/> when the failure is not about one frame.</summary>
    public int? FrameIndex { get; init; }
}
