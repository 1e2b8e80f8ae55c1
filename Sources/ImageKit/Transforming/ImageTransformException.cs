namespace ImageKit.Transforming;

/// <summary>An <see cref="ImageTransformer"/> could not transform an image; the message says which one and why.</summary>
public sealed class ImageTransformException : ImageKitException
{
    /// <summary>Creates an exception for the transformer with <paramref name="transformerKey"/>.</summary>
    /// <param name="transformerKey">The failing transformer's <see cref="ImageTransformer.Key"/>.</param>
    /// <param name="reason">Why it failed, in one sentence.</param>
    /// <param name="innerException">The error that caused this one, if any.</param>
    public ImageTransformException(string transformerKey, string reason, Exception? innerException = null)
        : base(null, reason, innerException)
    {
        TransformerKey = transformerKey;
    }

    /// <summary>Creates an exception with a message.</summary>
    public ImageTransformException(string message)
        : base(message)
    {
        TransformerKey = string.Empty;
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public ImageTransformException(string message, Exception? innerException)
        : base(message, innerException)
    {
        TransformerKey = string.Empty;
    }

    /// <summary>Creates an exception with no message.</summary>
    public ImageTransformException()
    {
        TransformerKey = string.Empty;
    }

    /// <summary>The <see cref="ImageTransformer.Key"/> of the transformer that failed (empty when unknown).</summary>
    public string TransformerKey { get; }
}
