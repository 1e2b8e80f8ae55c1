using ImageKit.Views;

namespace ImageKit.Tests.Views;

/// <summary>The three visibility inputs of a <see cref="PlaybackVisibilityController"/>, by the names tests use as data.</summary>
internal static class VisibilityInputs
{
    /// <summary>Makes the view visible or not through one input: "window" (in a window), "hidden", or else occlusion.</summary>
    public static void SetVisible(this PlaybackVisibilityController controller, string input, bool visible)
    {
        switch (input)
        {
            case "window":
                controller.IsInWindow = visible;
                break;
            case "hidden":
                controller.IsHidden = !visible;
                break;
            default:
                controller.IsOccluded = !visible;
                break;
        }
    }
}
