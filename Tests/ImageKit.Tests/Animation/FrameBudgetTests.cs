using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A budget counts pixels, not holders: frames that several players of one image share (see
/// <c>AnimatedImage.GetFrame</c>) are charged once, for as long as any of them holds them, and the memory it reports is
/// the memory the frames take.
/// </summary>
[TestClass]
public sealed class FrameBudgetTests
{
    private const int Frames = 40;
    private const int Side = 64;
    private const long FrameBytes = Side * Side * 4;
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task FivePlayersOfOneImage_EachBufferingEveryFrame_ChargeEachFrameOnce()
    {
        using var image = NewImage();
        var budget = new FrameBudget(64L * 1024 * 1024);
        await using var players = new Players(image, budget, count: 5);

        Assert.IsTrue(Leaks.Eventually(() => players.All(p => p.BufferedFrameCount == Frames)), "every player buffered the whole animation");
        Assert.AreEqual(Frames * FrameBytes, budget.UsedBytes, "the 40 frames the five buffers share (before: 5 × 40)");
    }

    [TestMethod]
    public async Task BudgetFullOfOnePlayersFrames_AnotherPlayerOfTheImage_StillBuffersThemAll()
    {
        using var image = NewImage();
        var budget = new FrameBudget(Frames * FrameBytes);
        await using var first = new Players(image, budget, count: 1);
        Assert.IsTrue(Leaks.Eventually(() => first[0].BufferedFrameCount == Frames), "the first player buffered the whole animation");
        Assert.AreEqual(budget.CapacityBytes, budget.UsedBytes, "and filled the budget");

        await using var second = new Players(image, budget, count: 1);

        Assert.IsTrue(
            Leaks.Eventually(() => second[0].BufferedFrameCount == Frames),
            $"the second player holds the same frames at no cost to the budget (it buffered {second[0].BufferedFrameCount})");
        Assert.AreEqual(budget.CapacityBytes, budget.UsedBytes);
    }

    /// <summary>
    /// A buffer asks whether the budget has room for a whole frame before decoding, whether or not another player holds
    /// that frame (free to share). Pinned: with the budget full, the refusal costs no decode and no frame; each player
    /// reports the frames it holds, the budget charges them once.
    /// </summary>
    [TestMethod]
    public async Task BudgetFullOfOnePlayersFrames_AnotherPlayerOfTheImage_TakesThemWithoutDecodingAndReportsThem()
    {
        var source = new TestAnimation(Frames, TimeSpan.FromMilliseconds(50), width: Side, height: Side);
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        var budget = new FrameBudget(Frames * FrameBytes);
        await using var first = new Players(image, budget, count: 1);
        Assert.IsTrue(Leaks.Eventually(() => first[0].BufferedFrameCount == Frames), "the first player buffered the whole animation");
        var renders = source.Renders;

        await using var second = new Players(image, budget, count: 1);
        Assert.IsTrue(Leaks.Eventually(() => second[0].BufferedFrameCount == Frames), "the second player buffered the whole animation");

        Assert.AreEqual(renders, source.Renders, "frames decoded for the second player");
        Assert.AreEqual(Frames * FrameBytes, second[0].Statistics.BufferedBytes, "the second player reports the frames it holds");
        Assert.AreEqual(Frames * FrameBytes, budget.UsedBytes, "the budget charges them once");
    }

    [TestMethod]
    public async Task SharedFrames_StayChargedUntilTheirLastHolderLetsGo()
    {
        using var image = NewImage();
        var budget = new FrameBudget(64L * 1024 * 1024);
        var players = new Players(image, budget, count: 2);
        try
        {
            Assert.IsTrue(Leaks.Eventually(() => players.All(p => p.BufferedFrameCount == Frames)));

            await players[0].DisposeAsync();
            Assert.AreEqual(Frames * FrameBytes, budget.UsedBytes, "the other player still holds every frame");
        }
        finally
        {
            await players.DisposeAsync();
        }

        Assert.AreEqual(0, budget.UsedBytes, "every charge was returned");
    }

    [TestMethod]
    public void PlayersOfOneImageDroppedWithoutDispose_GiveTheSharedChargeBack()
    {
        using var image = NewImage();
        var budget = new FrameBudget(64L * 1024 * 1024);
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);

        StartAndDrop(image, budget, links);

        Assert.IsTrue(
            Leaks.Eventually(
                () =>
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    return budget.UsedBytes == 0;
                }),
            $"the finalized buffers returned their charges ({budget.UsedBytes} bytes left)");
    }

    /// <summary>
    /// A full buffer makes way for a nearer frame by dropping its farthest one; when another player holds that one too,
    /// dropping it gives the budget nothing back, and the nearer frame's charge was forced past the budget anyway.
    /// </summary>
    [TestMethod]
    public async Task FullBudget_PlayerSwappingFramesItShares_StaysWithinTheTwoFramesItMayAlwaysHold()
    {
        using var image = NewImage();
        var budget = new FrameBudget(Frames / 2 * FrameBytes);
        await using var links = new Players(image, budget, count: 0);
        await using var first = links.Add(Frames / 2 * FrameBytes);
        Assert.IsTrue(Leaks.Eventually(() => first.BufferedFrameCount == Frames / 2), "the first player filled the budget with frames 0-19");

        await using var second = links.Add(Frames * FrameBytes);
        Assert.IsTrue(Leaks.Eventually(() => second.BufferedFrameCount == Frames / 2), "the second player shares frames 0-19 at no cost");
        Assert.AreEqual(budget.CapacityBytes, budget.UsedBytes);

        // Frames 30-39 are now nearest: each nearer than the shared 19, 18, ... the second player holds.
        second.SeekToFrame(30);
        Assert.IsTrue(
            Leaks.Eventually(
                () =>
                {
                    using var frame = second.GetCurrentFrame();
                    return frame?.Index == 30;
                }),
            "frame 30 is on screen");
        Leaks.Eventually(() => budget.UsedBytes > budget.CapacityBytes + (2 * FrameBytes), TimeSpan.FromSeconds(2));

        Assert.IsLessThanOrEqualTo(
            budget.CapacityBytes + (2 * FrameBytes),
            budget.UsedBytes,
            $"{(budget.UsedBytes - budget.CapacityBytes) / FrameBytes} frames over the budget");
    }

    [TestMethod]
    public async Task Trim_PlayersHoldingEveryFrame_KeepOnlyTheFrameOnScreenAndTheBudgetIsGivenBack()
    {
        using var image = NewImage();
        var budget = new FrameBudget(64L * 1024 * 1024);
        await using var players = new Players(image, budget, count: 2);
        Assert.IsTrue(Leaks.Eventually(() => players.All(p => p.BufferedFrameCount == Frames)), "every player buffered the whole animation");

        budget.Trim();

        Assert.IsTrue(players.All(p => p.BufferedFrameCount <= 1), $"each keeps at most the frame on screen ({players[0].BufferedFrameCount}, {players[1].BufferedFrameCount})");
        Assert.IsLessThanOrEqualTo(FrameBytes, budget.UsedBytes, "the frame both show is charged once");
    }

    /// <summary>
    /// Lowering the capacity below what buffers already hold gives memory back: buffers holding every frame never refill,
    /// so waiting for a refill would keep the old budget's frames until a <see cref="FrameBudget.Trim"/>.
    /// </summary>
    [TestMethod]
    public async Task CapacityBytes_LoweredBelowWhatPlayersHoldingEveryFrameHold_TheyDropFramesUntilItFits()
    {
        using var image = NewImage();
        var budget = new FrameBudget(64L * 1024 * 1024);
        await using var players = new Players(image, budget, count: 2);
        Assert.IsTrue(Leaks.Eventually(() => players.All(p => p.BufferedFrameCount == Frames)), "every player buffered the whole animation");

        budget.CapacityBytes = 10 * FrameBytes;

        Assert.IsTrue(
            Leaks.Eventually(() => budget.UsedBytes <= budget.CapacityBytes),
            $"{budget.UsedBytes / FrameBytes} frames charged to a budget of 10 ({players[0].BufferedFrameCount} and {players[1].BufferedFrameCount} buffered)");
        Assert.IsTrue(
            players.All(p => p.BufferedFrameCount >= 2),
            $"each keeps the frame on screen and the next ({players[0].BufferedFrameCount}, {players[1].BufferedFrameCount})");
        using var onScreen = players[0].GetCurrentFrame();
        Assert.AreEqual(0, onScreen?.Index, "the frame on screen stays");
    }

    [TestMethod]
    public void CapacityBytes_Negative_IsRefused()
    {
        var budget = new FrameBudget(1024);

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => budget.CapacityBytes = -1);
        Assert.AreEqual(1024, budget.CapacityBytes);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void StartAndDrop(AnimatedImage image, FrameBudget budget, ManualDisplayLinkProvider links)
    {
        var players = Enumerable.Range(0, 3)
            .Select(_ => new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget, MaxBufferSize = Frames * FrameBytes }))
            .ToList();
        Assert.IsTrue(Leaks.Eventually(() => players.All(p => p.BufferedFrameCount == Frames)));
        Assert.AreEqual(Frames * FrameBytes, budget.UsedBytes);
    }

    private static AnimatedImage NewImage() =>
        new(new TestAnimation(Frames, TimeSpan.FromMilliseconds(50), width: Side, height: Side), ReadOnlyMemory<byte>.Empty);

    /// <summary>Paused players of one image on a manual display link, each allowed to buffer the whole animation.</summary>
    private sealed class Players : IAsyncDisposable
    {
        private readonly ManualDisplayLinkProvider _links = new(new FakeTimeProvider(), s_period);
        private readonly List<AnimatedImagePlayer> _players;

        private readonly AnimatedImage _image;
        private readonly FrameBudget _budget;

        public Players(AnimatedImage image, FrameBudget budget, int count)
        {
            _image = image;
            _budget = budget;
            _players = [.. Enumerable.Range(0, count).Select(_ => new AnimatedImagePlayer(
                image,
                new AnimatedImagePlayerOptions { DisplayLinkProvider = _links, Budget = budget, MaxBufferSize = Frames * FrameBytes }))];
        }

        public AnimatedImagePlayer this[int index] => _players[index];

        /// <summary>Another player of the image, buffering at most <paramref name="maxBufferSize"/>; the caller disposes it.</summary>
        public AnimatedImagePlayer Add(long maxBufferSize) =>
            new(_image, new AnimatedImagePlayerOptions { DisplayLinkProvider = _links, Budget = _budget, MaxBufferSize = maxBufferSize });

        public bool All(Func<AnimatedImagePlayer, bool> predicate) => _players.All(predicate);

        public async ValueTask DisposeAsync()
        {
            foreach (var player in _players)
            {
                await player.DisposeAsync();
            }

            _links.Dispose();
        }
    }
}
