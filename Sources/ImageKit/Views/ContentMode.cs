namespace ImageKit.Views;

/// <summary>How an image is placed in bounds whose aspect ratio may differ from its own.</summary>
public enum ContentMode
{
    /// <summary>Scaled, keeping its aspect ratio, to the largest size that fits inside the bounds; centred (letterboxed).</summary>
    Fit,

    /// <summary>Scaled, keeping its aspect ratio, to the smallest size that covers the bounds; centred and cropped.</summary>
    Fill,

    /// <summary>Scaled to exactly the bounds; the aspect ratio is not kept.</summary>
    Stretch,

    /// <summary>Not scaled; centred, and cropped where it is larger than the bounds.</summary>
    Center,
}
