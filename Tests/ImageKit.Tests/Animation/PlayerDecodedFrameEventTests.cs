using System.Diagnostics.Metrics;
using ImageKit.Animation;
using ImageKit.Diagnostics;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A paused player shows a frame as soon as the worker has decoded it, and raises its FrameChanged from the thread pool.
/// A Play that lands between the two must not drop that event: the link shows only frames not shown yet, so nothing else
/// would ever report the frame <see cref="AnimatedImagePlayer.CurrentFrameIndex"/> names. The race is ordered through the
/// frames-shown counter, whose listener runs where the worker puts the frame on screen, before the event leaves.
/// </summary>
[TestClass]
public sealed class PlayerDecodedFrameEventTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task FrameChanged_OfAFrameDecodedWhilePaused_IsRaisedWhenPlayStartsBeforeItIsDelivered()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var links = new SilentLinkProvider();
        var (image, source) = TestAnimation.Gated(4, durationMs: 5000); // the first frame stays for 5 s: no tick shows another
        using var _ = image;
        AnimatedImagePlayer? player = null;
        using var listener = PlayWhenTheWorkerShowsAFrame(meters, () => player);
        await using var created = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, MeterFactory = meters });
        player = created;
        using var release = new AllowAllOnDispose(source); // disposed first: the player's Dispose waits for its worker, held in a gated frame
        using var raised = new ManualResetEventSlim();
        created.FrameChanged += (_, e) =>
        {
            if (e.Index == 0)
            {
                raised.Set();
            }
        };

        source.Allow(0); // decoded, shown by the worker; the Play runs before the worker's report is delivered

        Assert.IsTrue(
            raised.Wait(TimeSpan.FromSeconds(10), TestContext.CancellationToken),
            $"FrameChanged for frame 0 never came (playing {created.IsPlaying}, current frame {created.CurrentFrameIndex}, subscribers {links.Link.SubscriberCount})");
    }

    [TestMethod]
    public async Task FrameChanged_OfAFrameDecodedWhilePaused_IsPostedWhenPlayStartsBeforeItIsDelivered()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var links = new SilentLinkProvider();
        var context = new QueueingContext();
        var (image, source) = TestAnimation.Gated(4, durationMs: 5000);
        using var _ = image;
        AnimatedImagePlayer? player = null;
        using var listener = PlayWhenTheWorkerShowsAFrame(meters, () => player);
        await using var created = new AnimatedImagePlayer(
            image,
            new AnimatedImagePlayerOptions { DisplayLinkProvider = links, MeterFactory = meters, SynchronizationContext = context });
        player = created;
        using var release = new AllowAllOnDispose(source); // disposed first: the player's Dispose waits for its worker, held in a gated frame
        var frames = new List<int>();
        created.FrameChanged += (_, e) => frames.Add(e.Index);

        source.Allow(0);

        Assert.IsTrue(
            SpinWait.SpinUntil(() => context.Pending > 0, TimeSpan.FromSeconds(10)),
            $"nothing was posted (playing {created.IsPlaying}, current frame {created.CurrentFrameIndex})");
        context.RunAll();
        CollectionAssert.AreEqual(new[] { 0 }, frames);
    }

    // Calls Play on the thread that counts the first frame shown, while the player puts it on screen (its lock is held;
    // the lock is reentrant, so Play completes there, and the worker's report of the frame goes out after it).
    private static MeterListener PlayWhenTheWorkerShowsAFrame(IMeterFactory meters, Func<AnimatedImagePlayer?> player)
    {
        var played = 0;
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == ImageKitDiagnostics.FramesShown)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) =>
        {
            if (Interlocked.Exchange(ref played, 1) == 0)
            {
                player()!.Play();
            }
        });
        listener.Start();
        return listener;
    }

    private sealed class AllowAllOnDispose(TestAnimation source) : IDisposable
    {
        public void Dispose() => source.AllowAll();
    }

    /// <summary>A link that never ticks.</summary>
    private sealed class SilentLinkProvider : DisplayLinkProvider
    {
        public SilentLink Link { get; } = new();

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

    private sealed class SilentLink : DisplayLink
    {
        public override TimeSpan RefreshPeriod => TimeSpan.FromMilliseconds(10);

        protected override void StartCore()
        {
        }

        protected override void StopCore()
        {
        }
    }
}
