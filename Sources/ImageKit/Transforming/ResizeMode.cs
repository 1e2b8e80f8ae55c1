namespace ImageKit.Transforming;

/// <summary>How <see cref="ResizeTransformer"/> fits an image into its box.</summary>
public enum ResizeMode
{
    /// <summary>The largest size inside the box with the image's aspect ratio: nothing is cut, a side may be shorter than the box's.</summary>
    Fit = 0,

    /// <summary>Exactly the box: the image is scaled to cover it, aspect ratio kept, and what overflows is cut evenly from both sides.</summary>
    Fill = 1,

    /// <summary>Exactly the box: each side scaled on its own, so the aspect ratio changes with the box's.</summary>
    Stretch = 2,
}
