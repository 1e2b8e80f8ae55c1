namespace ImageKit.Decoding.Internal;

/// <summary>
/// What an <see cref="AnimatedImage"/> tells, once, when one of its frames fails to decode (see
/// <see cref="AnimatedImage.OnFrameDecodeFailed"/>). An object of the watcher's own rather than a delegate: a closure and
/// its delegate would be two objects more per image, kept as long as a cache keeps the image.
/// </summary>
internal interface IFrameDecodeFailureHandler
{
    /// <summary>
    /// Called on the thread that asked for the frame, outside the image's lock. Must not throw.
    /// </summary>
    void OnFrameDecodeFailed(ImageDecodingException failure);
}
