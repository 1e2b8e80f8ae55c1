using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// The decode-ahead window: as the playhead moves on, the frames it has passed make way for the next ones (also when the
/// budget, not the player's own cap, limits the buffer), and the frames still to come stay.
/// </summary>
[TestClass]
public sealed class PlayerBufferWindowTests
{
    private const int Frames = 10;
    private const int Side = 8;
    private const long FrameBytes = Side * Side * 4;
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// The budget holds four frames, the player's own cap six. With frames 0-3 buffered and the playhead moved to frame 1,
    /// frame 0 is behind the playhead, outside the window, and frame 4 is wanted: the buffer used to ask the budget for
    /// room while frame 0 still held its charge, find none, and decode nothing until the playhead had drained it to one
    /// frame ahead.
    /// </summary>
    [TestMethod]
    public async Task PlayheadMovesOn_BudgetFull_FramesBehindMakeWayForTheNextOnes()
    {
        var source = new TestAnimation(Frames, TimeSpan.FromMilliseconds(100), width: Side, height: Side);
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        var budget = new FrameBudget(4 * FrameBytes);
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider(), s_period);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = budget,
            MaxBufferSize = 6 * FrameBytes,
        });
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == 4 && source.Renders == 4), "frames 0-3 fill the budget");

        player.SeekToFrame(1);

        Assert.IsTrue(
            Leaks.Eventually(() => source.Renders == 5),
            $"frame 4 is decoded once frame 0 is behind the playhead (decoded {source.Renders} frames, buffered {player.BufferedFrameCount}, budget used {budget.UsedBytes / FrameBytes} frames)");
        player.SeekToFrame(4);
        using var shown = player.GetCurrentFrame();
        Assert.AreEqual(4, shown?.Index, "frame 4 was buffered: seeking to it shows it at once");
        Assert.IsLessThanOrEqualTo(budget.CapacityBytes, budget.UsedBytes, "within the budget");
    }

    /// <summary>
    /// A bounce order visits frames twice: four frames make six steps. A buffer with room for the four frames wants all of
    /// them wherever the playhead is; a window of four steps from frame 1 going down (1, 0, 1, 2) would leave frame 3 out,
    /// drop it, and decode it again two steps later.
    /// </summary>
    [TestMethod]
    public async Task BounceOrder_BufferWithRoomForEveryFrame_KeepsEveryFrameWhereverThePlayheadIs()
    {
        using var image = TestAnimation.Image(4);
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider(), s_period);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(64L * 1024 * 1024),
        })
        {
            PlaybackMode = PlaybackMode.ReversedBounce, // 3, 2, 1, 0, 1, 2
        };
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == 4), "every frame buffered");

        player.SeekToFrame(1); // step 2: 1, 0, 1, 2 are the next four steps

        Assert.IsFalse(
            Leaks.Eventually(() => player.BufferedFrameCount < 4, TimeSpan.FromSeconds(1)),
            $"a frame was dropped: {player.BufferedFrameCount} buffered");
    }
}
