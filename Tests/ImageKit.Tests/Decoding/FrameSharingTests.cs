using System.Runtime.CompilerServices;
using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// A frame someone still holds is shared, not decoded again: several players of one image decode each frame once between
/// them, without ever handing out pixels that were redrawn as another frame, and a forgotten frame is still reclaimed.
/// </summary>
[TestClass]
public sealed class FrameSharingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void GetFrame_FrameStillHeldAfterTheImageDroppedIt_IsSharedInsteadOfDecodedAgain()
    {
        var source = new TestAnimation(10, TimeSpan.FromMilliseconds(100));
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        using var held = image.GetFrame(0);
        for (var i = 1; i <= AnimatedImage.CompositedFramesKept + 1; i++)
        {
            image.GetFrame(i).Dispose(); // pushes frame 0 out of the image's own few composited frames
        }

        var renders = source.Renders;
        using var again = image.GetFrame(0);

        Assert.AreEqual(renders, source.Renders, "frame 0 was not decoded again");
        Assert.AreEqual(0, again.Pixels[0]);
        Assert.IsTrue(again.Pixels.Overlaps(held.Pixels), "the same pixels, shared");
    }

    [TestMethod]
    public void GetFrame_FrameNobodyHoldsAnyMore_IsDecodedAgain()
    {
        var source = new TestAnimation(10, TimeSpan.FromMilliseconds(100));
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        image.GetFrame(0).Dispose();
        for (var i = 1; i <= AnimatedImage.CompositedFramesKept + 1; i++)
        {
            image.GetFrame(i).Dispose();
        }

        var renders = source.Renders;
        using var again = image.GetFrame(0);

        Assert.AreEqual(renders + 1, source.Renders);
        Assert.AreEqual(0, again.Pixels[0]);
    }

    [TestMethod]
    public void GetFrame_PixelsRedrawnInPlaceAsTheNextFrame_AreNeverHandedOutAsTheEarlierOne()
    {
        // Every frame is drawn onto the one before; frame i fills the canvas with i + 1. Once nobody holds frame 0, the
        // image draws frame 1 into frame 0's very pixels: asking for frame 0 afterwards must decode it, not find them.
        var (image, _) = CountingChain(frames: 4);
        using (image)
        {
            image.GetFrame(0).Dispose();
            using (var first = image.GetFrame(1))
            {
                Assert.AreEqual(2, first.Pixels[0]);
            }

            using var zero = image.GetFrame(0);
            Assert.AreEqual(1, zero.Pixels[0], "frame 0's pixels, not frame 1's drawn over them");
        }
    }

    [TestMethod]
    public void Share_LeaseDisposedOnAnotherThreadBeforeTheShareTookItsReference_IsRefusedRatherThanShowingTheNextFrame()
    {
        // Frame i fills the canvas with i + 1 and is drawn onto frame i - 1. Share reads the lease's pixels; before it takes
        // its reference, "another thread" disposes the lease and asks for frame 1, which (nobody else holding frame 0) is
        // drawn into frame 0's very pixels. The share must not come back as frame 0 showing frame 1.
        var (image, _) = CountingChain(frames: 4);
        using (image)
        {
            var zero = image.GetFrame(0);
            ImageFrame.AfterReadingBufferForTests = () =>
            {
                ImageFrame.AfterReadingBufferForTests = null;
                zero.Dispose();
                image.GetFrame(1).Dispose();
            };

            ImageFrame? share = null;
            try
            {
                share = zero.Share();
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                ImageFrame.AfterReadingBufferForTests = null;
            }

            using (share)
            {
                Assert.IsNull(share, $"the dispose came first, so the share is refused; it was handed out as frame {share?.Index} showing {share?.Pixels[0]}");
            }

            using var one = image.GetFrame(1);
            Assert.AreEqual(2, one.Pixels[0]);
        }
    }

    [TestMethod]
    public void GetFrame_ManyThreadsHoldingAndReleasingFramesOfAChain_AlwaysGetTheFrameTheyAskedFor()
    {
        // Each frame drawn onto the one before, so pixels are constantly taken over in place as leases come and go on
        // other threads: every lease handed out, shared or fresh, must still hold its own frame (frame i is i + 1 all over).
        var (image, _) = CountingChain(frames: 24);
        using (image)
        {
            var wrong = 0;
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
            {
                var random = new Random(worker);
                var held = new Queue<ImageFrame>();
                for (var i = 0; i < 3000; i++)
                {
                    var index = random.Next(24);
                    var frame = image.GetFrame(index);
                    if (frame.Pixels[0] != index + 1 || frame.Pixels[^1] != index + 1)
                    {
                        Interlocked.Increment(ref wrong);
                    }

                    held.Enqueue(frame);
                    while (held.Count > random.Next(1, 6))
                    {
                        held.Dequeue().Dispose();
                    }
                }

                while (held.Count > 0)
                {
                    held.Dequeue().Dispose();
                }
            });

            Assert.AreEqual(0, wrong, "leases whose pixels were another frame's");
        }
    }

    [TestMethod]
    public void GetFrame_ForgottenFrame_IsStillReclaimedWhileTheImageLives()
    {
        var source = new TestAnimation(4, TimeSpan.FromMilliseconds(100));
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        var weak = TakeAndForget(image, 2);
        image.TrimCache(); // the image's own composited frames let go too

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.IsAlive), "the image's memory of the frame does not keep its pixels alive");
        using var again = image.GetFrame(2);
        Assert.AreEqual(2, again.Pixels[0]);
    }

    [TestMethod]
    public async Task Players_FiveOfOneImageInStep_DecodeEachFrameOnceBetweenThem()
    {
        const int Frames = 40;
        var period = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60);
        var source = new TestAnimation(Frames, TimeSpan.FromMilliseconds(50), width: 64, height: 64);
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, period);
        var budget = new FrameBudget(64L * 1024 * 1024);
        var players = Enumerable.Range(0, 5)
            .Select(_ => new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget }))
            .ToList();
        try
        {
            Assert.IsTrue(Leaks.Eventually(() => players.All(p => p.BufferedFrameCount == Frames)), "every player buffered the whole animation");
            foreach (var player in players)
            {
                player.Play();
            }

            for (var tick = 0; tick < 60 * 4; tick++)
            {
                time.Advance(period); // two loops
            }

            Assert.IsTrue(Leaks.Eventually(() => players.All(p => p.Statistics.LoopsCompleted >= 1)), "they played");
            Assert.AreEqual(Frames, source.Renders, "each frame decoded once for all five players (before: once for each)");
        }
        finally
        {
            foreach (var player in players)
            {
                await player.DisposeAsync();
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference TakeAndForget(AnimatedImage image, int index)
    {
        // The pixels' holder, not the lease: the image's memory of the frame points at it.
        var frame = image.GetFrame(index);
        return new WeakReference(frame.Buffer);
    }

    private static (AnimatedImage Image, CountingSource Source) CountingChain(int frames)
    {
        var source = new CountingSource(frames, requiredFrame: i => i - 1);
        return (new AnimatedImage(source, ReadOnlyMemory<byte>.Empty), source);
    }
}
