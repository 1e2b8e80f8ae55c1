namespace ImageKit.Display;

/// <summary>A display link could not be created or started (on macOS, CoreVideo returned an error).</summary>
public class DisplayLinkException : ImageKitException
{
    /// <summary>Creates an exception with a message.</summary>
    public DisplayLinkException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public DisplayLinkException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with no message.</summary>
    public DisplayLinkException()
    {
    }

    /// <summary>The native status code (a <c>CVReturn</c> on macOS), or <see langword="null"/> when there is none.</summary>
    public int? NativeErrorCode { get; init; }
}
