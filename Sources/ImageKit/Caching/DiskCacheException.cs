namespace ImageKit.Caching;

/// <summary>
/// The disk cache met a failure it cannot heal by itself: its folder cannot be created or written, or the disk is full.
/// Damaged blobs and a damaged index are healed silently (they become misses or an empty index) and never raise this.
/// </summary>
public class DiskCacheException : ImageKitException
{
    /// <summary>Creates an exception with the cache folder and the reason.</summary>
    /// <param name="source">The cache folder or file concerned.</param>
    /// <param name="reason">Why it failed, in one sentence.</param>
    /// <param name="innerException">The error that caused this one, if any.</param>
    public DiskCacheException(string? source, string reason, Exception? innerException = null)
        : base(source, reason, innerException)
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public DiskCacheException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public DiskCacheException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with no message.</summary>
    public DiskCacheException()
    {
    }
}
