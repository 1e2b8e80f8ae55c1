using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>Events of a paused player are raised off the decode worker: a handler may dispose the player or throw.</summary>
[TestClass]
public sealed class PlayerWorkerEventTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Dispose_FromFrameChangedRaisedByTheDecodeWorker_Returns()
    {
        // A paused player shows its first frame as soon as the worker has decoded it: FrameChanged is then raised on the
        // worker's own thread (no SynchronizationContext). Disposing the player there must not wait for that very worker.
        using var gate = new ManualResetEventSlim();
        var source = new GatedSource(gate);
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        using var disposed = new ManualResetEventSlim();
        player.FrameChanged += (_, _) =>
        {
            player.Dispose();
            disposed.Set();
        };

        gate.Set(); // the worker, blocked decoding frame 0, finishes and raises FrameChanged on its thread
        Assert.IsTrue(
            disposed.Wait(TimeSpan.FromSeconds(10), TestContext.CancellationToken),
            "Dispose called from a FrameChanged handler on the decode worker's thread never returned (it waits for its own worker)");
    }

    [TestMethod]
    public void Dispose_AfterAFrameChangedHandlerThrewOnTheDecodeWorker_DoesNotThrowAndReleasesTheImage()
    {
        // The worker raises FrameChanged for a paused player with nothing around the handler: an exception ends the
        // worker's loop (its task faults), and Dispose then rethrows it from StopAsync before releasing anything.
        using var gate = new ManualResetEventSlim();
        var source = new GatedSource(gate);
        var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        using var raised = new ManualResetEventSlim();
        player.FrameChanged += (_, _) =>
        {
            raised.Set();
            throw new InvalidOperationException("an app's handler failed");
        };

        gate.Set();
        Assert.IsTrue(raised.Wait(TimeSpan.FromSeconds(10), TestContext.CancellationToken), "the worker raised FrameChanged");
        Assert.IsTrue(SpinWait.SpinUntil(() => player.FailedHandlers == 1, TimeSpan.FromSeconds(10)), "the handler's exception was counted");

        Exception? thrown = null;
        try
        {
            player.Dispose();
        }
        catch (Exception e)
        {
            thrown = e;
        }

        image.Dispose(); // the creator lets go: with the player's lease returned, the image releases its source
        var released = image.IsDisposed && source.Disposals == 1;
        Assert.IsTrue(
            thrown is null && released,
            $"Dispose threw: {thrown?.GetType().Name}: {thrown?.Message ?? "nothing"}; image released (player's lease returned): {released}");
        Assert.AreEqual(1, player.FailedHandlers, "the handler's exception was counted, not lost or rethrown elsewhere");
    }

    private sealed class GatedSource(ManualResetEventSlim gate) : AnimatedImageSource
    {
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        public override ImageFormat Format => ImageFormat.Gif;

        public override int PixelWidth => 4;

        public override int PixelHeight => 4;

        public override int FrameCount => 2;

        public override int LoopCount => 0;

        public override bool HasAlpha => false;

        public override TimeSpan GetFrameDuration(int index) => TimeSpan.FromMilliseconds(100);

        public override int GetRequiredFrame(int index) => -1;

        public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
        {
            gate.Wait();
            canvas.Fill((byte)(index + 1));
        }

        protected override void Dispose(bool disposing)
        {
            Interlocked.Increment(ref _disposals);
            base.Dispose(disposing);
        }
    }
}
