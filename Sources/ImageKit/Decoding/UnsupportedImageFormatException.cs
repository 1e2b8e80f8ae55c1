namespace ImageKit.Decoding;

/// <summary>
/// No registered decoder recognises the data. The message names what the first bytes look like.
/// </summary>
public sealed class UnsupportedImageFormatException : ImageDecodingException
{
    /// <summary>Creates an exception with a message.</summary>
    public UnsupportedImageFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public UnsupportedImageFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with no message.</summary>
    public UnsupportedImageFormatException()
    {
    }

    /// <summary>The format detected from the magic bytes (<see cref="ImageFormat.Unknown"/> when none matched).</summary>
    public ImageFormat DetectedFormat { get; init; }
}
