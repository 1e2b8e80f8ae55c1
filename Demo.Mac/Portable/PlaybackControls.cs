using System.Globalization;
using ImageKit.Animation;

namespace Demo.Mac.Portable;

/// <summary>
/// What the playback controls mean: the rate slider is logarithmic (its value is log2 of the rate, so the middle is 1×
/// and each end is 4× slower or faster), and the mode menu lists <see cref="PlaybackMode"/> in declaration order.
/// </summary>
/// <remarks>Portable (compiled into the tests as well as the app); no AppKit here.</remarks>
internal static class PlaybackControls
{
    /// <summary>The slider's range: log2 of 1/4 and of 4.</summary>
    public const double SliderMinimum = -2;

    /// <summary>The slider's upper end.</summary>
    public const double SliderMaximum = 2;

    /// <summary>Within this distance of the middle, the slider snaps to exactly 1× (a mouse rarely lands on 0.000).</summary>
    private const double SnapDistance = 0.06;

    /// <summary>The mode menu's items, in order.</summary>
    public static IReadOnlyList<PlaybackMode> Modes { get; } = Enum.GetValues<PlaybackMode>();

    /// <summary>The playback rate for a slider value (clamped to the slider's range).</summary>
    public static double RateFromSlider(double sliderValue)
    {
        if (double.IsNaN(sliderValue))
        {
            return 1;
        }

        var clamped = Math.Clamp(sliderValue, SliderMinimum, SliderMaximum);
        return Math.Abs(clamped) < SnapDistance ? 1 : Math.Round(Math.Pow(2, clamped), 2);
    }

    /// <summary>The slider value that shows <paramref name="rate"/> (a positive rate; clamped to the slider's range).</summary>
    public static double SliderFromRate(double rate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        return Math.Clamp(Math.Log2(rate), SliderMinimum, SliderMaximum);
    }

    /// <summary>The rate as the label beside the slider shows it, e.g. <c>1×</c>, <c>0.5×</c>, <c>2.83×</c>.</summary>
    public static string FormatRate(double rate) => rate.ToString("0.##", CultureInfo.InvariantCulture) + "×";

    /// <summary>The menu title of a mode.</summary>
    public static string Title(PlaybackMode mode) => mode switch
    {
        PlaybackMode.Normal => "Normal",
        PlaybackMode.Reverse => "Reverse",
        PlaybackMode.Bounce => "Bounce",
        PlaybackMode.ReversedBounce => "Reversed bounce",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown playback mode."),
    };

    /// <summary>The mode at a menu index; <see cref="PlaybackMode.Normal"/> when nothing (−1) or an unknown item is selected.</summary>
    public static PlaybackMode ModeAt(nint index) => index >= 0 && index < Modes.Count ? Modes[(int)index] : PlaybackMode.Normal;

    /// <summary>Gives a player the controls' rate and mode (pausing goes through the view, which owns visibility).</summary>
    public static void Apply(AnimatedImagePlayer? player, double rate, PlaybackMode mode)
    {
        if (player is null)
        {
            return;
        }

        player.PlaybackRate = rate;
        player.PlaybackMode = mode;
    }
}
