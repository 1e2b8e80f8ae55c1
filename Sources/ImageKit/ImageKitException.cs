namespace ImageKit;

/// <summary>
/// The base type of every error ImageKit reports. Each derived type names one kind of failure;
/// <see cref="SourceName"/> says what was being processed (a file, a URL, an in-memory buffer).
/// </summary>
public class ImageKitException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public ImageKitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public ImageKitException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with the thing being processed and the reason it failed.</summary>
    /// <param name="source">What was being processed, for example a file path or a URL.</param>
    /// <param name="reason">Why it failed, in one sentence.</param>
    /// <param name="innerException">The error that caused this one, if any.</param>
    public ImageKitException(string? source, string reason, Exception? innerException = null)
        : base(reason, innerException)
    {
        SourceName = source;
    }

    /// <summary>Creates an exception with no message.</summary>
    public ImageKitException()
    {
    }

    /// <summary>The reason of the failure, without the source name: the same text as <see cref="Exception.Message"/>.</summary>
    public string Reason => Message;

    /// <summary>What was being processed when the error happened (a file path, a URL), or <see langword="null"/> when unknown.</summary>
    public string? SourceName { get; set; }
}
