using Demo.Mac.Portable;
using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.DemoMac;

[TestClass]
public sealed class PlaybackControlsTests
{
    [TestMethod]
    [DataRow(0.0, 1.0)]
    [DataRow(0.05, 1.0)]
    [DataRow(-0.05, 1.0)]
    [DataRow(1.0, 2.0)]
    [DataRow(-1.0, 0.5)]
    [DataRow(2.0, 4.0)]
    [DataRow(-2.0, 0.25)]
    [DataRow(0.5, 1.41)]
    [DataRow(9.0, 4.0)]
    [DataRow(-9.0, 0.25)]
    [DataRow(double.NaN, 1.0)]
    public void RateFromSlider_Value_GivesLogarithmicRate(double slider, double expected) =>
        Assert.AreEqual(expected, PlaybackControls.RateFromSlider(slider), 1e-9);

    [TestMethod]
    [DataRow(1.0, 0.0)]
    [DataRow(4.0, 2.0)]
    [DataRow(0.25, -2.0)]
    [DataRow(100.0, 2.0)]
    public void SliderFromRate_Rate_IsInverseClamped(double rate, double expected) =>
        Assert.AreEqual(expected, PlaybackControls.SliderFromRate(rate), 1e-9);

    [TestMethod]
    public void SliderFromRate_Zero_Throws() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PlaybackControls.SliderFromRate(0));

    [TestMethod]
    [DataRow(1.0, "1×")]
    [DataRow(0.5, "0.5×")]
    [DataRow(1.41, "1.41×")]
    [DataRow(4.0, "4×")]
    public void FormatRate_Rate_ShortInvariantText(double rate, string expected) =>
        Assert.AreEqual(expected, PlaybackControls.FormatRate(rate));

    [TestMethod]
    public void Modes_EveryPlaybackModeOnceWithDistinctTitles()
    {
        CollectionAssert.AreEquivalent(Enum.GetValues<PlaybackMode>(), PlaybackControls.Modes.ToArray());
        Assert.HasCount(PlaybackControls.Modes.Count, PlaybackControls.Modes.Select(PlaybackControls.Title).Distinct());
    }

    [TestMethod]
    [DataRow(-1, PlaybackMode.Normal)]
    [DataRow(0, PlaybackMode.Normal)]
    [DataRow(2, PlaybackMode.Bounce)]
    [DataRow(3, PlaybackMode.ReversedBounce)]
    [DataRow(4, PlaybackMode.Normal)]
    public void ModeAt_MenuIndex_GivesModeOrNormal(int index, PlaybackMode expected) =>
        Assert.AreEqual(expected, PlaybackControls.ModeAt(index));

    [TestMethod]
    public async Task Apply_Player_SetsRateAndMode()
    {
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = new ManualDisplayLinkProvider(new FakeTimeProvider()),
            Budget = new FrameBudget(1024 * 1024),
        });

        PlaybackControls.Apply(player, 0.5, PlaybackMode.ReversedBounce);

        Assert.AreEqual(0.5, player.PlaybackRate);
        Assert.AreEqual(PlaybackMode.ReversedBounce, player.PlaybackMode);
        PlaybackControls.Apply(null, 2, PlaybackMode.Bounce); // an empty cell: nothing to do, no exception
    }
}
