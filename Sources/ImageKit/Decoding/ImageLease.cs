namespace ImageKit.Decoding;

/// <summary>
/// A share of ownership of an <see cref="AnimatedImage"/>, from <see cref="AnimatedImage.AcquireLease"/>: while any lease is
/// live the image stays usable, whoever else lets go of it. The memory cache, players and load results each hold one.
/// </summary>
/// <remarks>
/// Dispose a lease exactly once when done with the image (further calls do nothing). A lease that is never disposed keeps
/// the image from being released deterministically, but not from being collected: once nothing references the image the
/// garbage collector reclaims it and the finalizers of its native objects release them.
/// </remarks>
public sealed class ImageLease : IDisposable
{
    private AnimatedImage? _image;

    internal ImageLease(AnimatedImage image) => _image = image;

    /// <summary>The image this lease keeps usable.</summary>
    /// <exception cref="ObjectDisposedException">The lease has been disposed: it no longer refers to the image, so that a
    /// disposed lease kept somewhere cannot keep the image (and its native memory) from being collected.</exception>
    public AnimatedImage Image => Volatile.Read(ref _image) ?? throw new ObjectDisposedException(nameof(ImageLease), "The lease has been disposed.");

    /// <summary>Whether this lease has been disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _image) is null;

    /// <summary>Takes another, independent lease on the same image.</summary>
    /// <exception cref="ObjectDisposedException">This lease has been disposed.</exception>
    public ImageLease Share() => Image.AcquireLease();

    /// <summary>
    /// Takes another lease on the same image unless this lease has been disposed or the image released (then
    /// <see langword="null"/>). Never returns a lease on a released image: the share is taken by the image's atomic
    /// ownership count, which cannot leave zero once it has reached it.
    /// </summary>
    internal ImageLease? TryShare() => Volatile.Read(ref _image)?.TryAcquireLease();

    /// <summary>Gives up this share of ownership. Idempotent and thread-safe.</summary>
    public void Dispose() => Interlocked.Exchange(ref _image, null)?.ReleaseOwnership();
}
