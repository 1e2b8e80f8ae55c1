namespace ImageKit.Views;

/// <summary>
/// A rectangle in the coordinates of the bounds it was laid out in: the result of <see cref="ContentModeLayout"/>.
/// The origin is a corner of the bounds; because layouts are centred, the same values hold whether the y axis points up
/// (AppKit) or down (most other toolkits).
/// </summary>
/// <param name="X">The left edge.</param>
/// <param name="Y">The edge nearest the origin on the y axis.</param>
/// <param name="Width">The width, never negative.</param>
/// <param name="Height">The height, never negative.</param>
public readonly record struct LayoutRect(double X, double Y, double Width, double Height)
{
    /// <summary>Whether the rectangle has no area.</summary>
    public bool IsEmpty => Width <= 0 || Height <= 0;

    /// <summary>The right edge: <see cref="X"/> + <see cref="Width"/>.</summary>
    public double Right => X + Width;

    /// <summary>The far edge on the y axis: <see cref="Y"/> + <see cref="Height"/>.</summary>
    public double Bottom => Y + Height;
}
