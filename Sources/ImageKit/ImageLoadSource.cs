namespace ImageKit;

/// <summary>Where an <see cref="ImageManager"/> found an image.</summary>
public enum ImageLoadSource
{
    /// <summary>The memory cache: already decoded.</summary>
    Memory,

    /// <summary>The disk cache (also after an HTTP 304 confirmed the cached bytes).</summary>
    Disk,

    /// <summary>Loaded from its URL (network or file) and decoded.</summary>
    Network,
}
