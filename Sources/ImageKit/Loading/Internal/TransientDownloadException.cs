namespace ImageKit.Loading.Internal;

/// <summary>An attempt failed in a way another attempt may not (a body cut short, a connection dropped mid-body).</summary>
internal sealed class TransientDownloadException : Exception
{
    public TransientDownloadException(ImageDownloadFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    public TransientDownloadException()
    {
    }

    public TransientDownloadException(string message)
        : base(message)
    {
    }

    public TransientDownloadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ImageDownloadFailure Failure { get; } = ImageDownloadFailure.Network;
}
