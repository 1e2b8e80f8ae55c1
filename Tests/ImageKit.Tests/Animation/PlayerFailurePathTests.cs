using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Animation;

/// <summary>
/// The player on its failure paths: a display link that fails to start, a frame that fails to decode, a Dispose on
/// another thread while a tick raises its events.
/// </summary>
[TestClass]
public sealed class PlayerFailurePathTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Play_LinkFailsToStart_ThrowsLeavesThePlayerPausedAndTheNextPlayTicks()
    {
        using var links = new StepLinkProvider(TimeSpan.FromMilliseconds(10)) { FailStarts = 1 };
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });

        Assert.ThrowsExactly<InvalidOperationException>(player.Play, "the backend's failure reaches the caller");
        var pausedAfterFailure = !player.IsPlaying;

        player.Play(); // the link retries its start: the player must subscribe again, not think it is already playing
        var subscribed = links.Link.SubscriberCount;

        Assert.IsTrue(
            pausedAfterFailure && subscribed == 1 && player.IsPlaying,
            $"after a failed Play: paused {pausedAfterFailure}; after the next Play: subscribers {subscribed}, playing {player.IsPlaying}");
    }

    [TestMethod]
    public async Task Play_WaitForFrames_FrameThatFailsToDecode_IsSkippedAndPlaybackFinishes()
    {
        using var links = new StepLinkProvider(TimeSpan.FromMilliseconds(10));
        using var image = new AnimatedImage(new FailingFrameSource(frameCount: 3, failing: 1), ReadOnlyMemory<byte>.Empty);
        await using var player = new AnimatedImagePlayer(
            image,
            new AnimatedImagePlayerOptions { DisplayLinkProvider = links, WaitForFrames = true });
        var finished = 0;
        player.Finished += (_, _) => finished++;
        Assert.IsTrue(
            SpinWait.SpinUntil(() => player.BufferedFrameCount == 2 && player.Statistics.DecodeErrors == 1, TimeSpan.FromSeconds(10)),
            "frames 0 and 2 decode, frame 1 fails");

        player.Play();
        for (var ms = 0; ms <= 1000; ms += 10)
        {
            links.Link.Tick(TimeSpan.FromMilliseconds(ms));
        }

        // A frame that can never be decoded is not waited for: the clock moves past it as it does past a failed next frame.
        Assert.IsTrue(
            finished == 1 && player.CurrentFrameIndex == 2,
            $"finished {finished} times, on frame {player.CurrentFrameIndex} (a one-loop, 0.3 s animation given 1 s)");
    }

    /// <summary>
    /// An application's source that throws <see cref="ObjectDisposedException"/> (an object of its own it has lost) fails
    /// that frame, as any other exception from it does: the image itself is not disposed (the player holds a lease on it),
    /// so the worker goes on with the other frames and counts the failure.
    /// </summary>
    [TestMethod]
    public async Task DecodeWorker_SourceThrowsObjectDisposedForOneFrame_CountsADecodeErrorAndDecodesTheOthers()
    {
        using var links = new StepLinkProvider(TimeSpan.FromMilliseconds(10));
        using var image = new AnimatedImage(
            new FailingFrameSource(frameCount: 4, failing: 1, failure: () => new ObjectDisposedException("the source's own stream")),
            ReadOnlyMemory<byte>.Empty);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });

        Assert.IsTrue(
            Leaks.Eventually(() => player.BufferedFrameCount == 3 && player.Statistics.DecodeErrors == 1),
            $"frames 0, 2 and 3 decode and frame 1 counts as failed: {player.BufferedFrameCount} buffered, {player.Statistics.DecodeErrors} decode errors");
        Assert.IsFalse(image.IsDisposed);
    }

    [TestMethod]
    public async Task LoopCompleted_OfATickInFlight_IsNotRaisedAfterDisposeReturned()
    {
        using var links = new StepLinkProvider(TimeSpan.FromMilliseconds(10));
        using var image = TestAnimation.Image(2);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount == 2, TimeSpan.FromSeconds(10)), "both frames decode");

        using var inHandler = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var disposeReturned = false;
        var raisedAfterDispose = 0;
        player.FrameChanged += (_, e) =>
        {
            if (e.Loop == 1)
            {
                inHandler.Set(); // the tick that completes loop 0 shows frame 0 of loop 1 first, then raises LoopCompleted
                release.Wait(TestContext.CancellationToken);
            }
        };
        player.LoopCompleted += (_, _) =>
        {
            if (Volatile.Read(ref disposeReturned))
            {
                Interlocked.Increment(ref raisedAfterDispose);
            }
        };

        player.Play();
        links.Link.Tick(TimeSpan.Zero);
        links.Link.Tick(TimeSpan.FromMilliseconds(110)); // frame 1
        var tick = Task.Run(() => links.Link.Tick(TimeSpan.FromMilliseconds(210)), TestContext.CancellationToken);
        Assert.IsTrue(inHandler.Wait(TimeSpan.FromSeconds(10), TestContext.CancellationToken), "the tick raised FrameChanged");

        // Dispose waits for the events being raised on the tick thread, so the handler is released while it waits.
        var disposing = Task.Run(
            async () =>
            {
                await player.DisposeAsync();
                Volatile.Write(ref disposeReturned, true);
            },
            TestContext.CancellationToken);
        Assert.IsFalse(disposing.Wait(TimeSpan.FromMilliseconds(300), TestContext.CancellationToken), "Dispose returned while a handler was running");
        release.Set();
        await disposing;
        await tick;

        Assert.AreEqual(0, raisedAfterDispose, "LoopCompleted was raised after Dispose returned");
        Assert.AreEqual(0, links.Link.FailedTicks);
    }

    /// <summary>A link that ticks only when told; its first <see cref="FailStarts"/> starts throw.</summary>
    private sealed class StepLinkProvider(TimeSpan period) : DisplayLinkProvider
    {
        public StepLink Link { get; } = new(period);

        public int FailStarts
        {
            get => Link.FailStarts;
            init => Link.FailStarts = value;
        }

        public override DisplayLink GetDisplayLink() => Link;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Link.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class StepLink(TimeSpan period) : DisplayLink
    {
        public int FailStarts { get; set; }

        public override TimeSpan RefreshPeriod => period;

        public void Tick(TimeSpan at) => DispatchTick(new DisplayLinkTick(at, at + period));

        protected override void StartCore()
        {
            if (FailStarts > 0)
            {
                FailStarts--;
                throw new InvalidOperationException("the backend could not start");
            }
        }

        protected override void StopCore()
        {
        }
    }

    /// <summary>Frames of 100 ms; one of them fails to decode every time (with the given failure, else as corrupt).</summary>
    private sealed class FailingFrameSource(int frameCount, int failing, Func<Exception>? failure = null) : AnimatedImageSource
    {
        public override ImageFormat Format => ImageFormat.Gif;

        public override int PixelWidth => 4;

        public override int PixelHeight => 4;

        public override int FrameCount => frameCount;

        public override int LoopCount => 1;

        public override bool HasAlpha => false;

        public override TimeSpan GetFrameDuration(int index) => TimeSpan.FromMilliseconds(100);

        public override int GetRequiredFrame(int index) => -1;

        public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
        {
            if (index == failing)
            {
                throw failure?.Invoke() ?? new ImageDecodingException($"frame {index} is corrupt");
            }

            canvas.Fill((byte)index);
        }
    }
}
