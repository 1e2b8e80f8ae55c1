using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Animation;

[TestClass]
[DoNotParallelize] // a 1,000 Hz link and two busy threads: timing-sensitive, keep the machine to itself
public sealed class PlayerConcurrencyTests
{
    /// <summary>
    /// Play used to subscribe under the player's lock. Subscribing to an idle link waits for a stop in progress (a Pause of
    /// the last subscriber on another thread), that stop waits for the tick being delivered, and that tick waited for the
    /// player's lock: all three stuck, within 2–4 s on every run.
    /// </summary>
    [TestMethod]
    [Timeout(60_000)]
    public void PlayAndPause_FromTwoThreadsAtOnce_KeepMakingProgress()
    {
        var links = new TimerDisplayLinkProvider(1000); // not disposed if the test fails: Dispose would join the deadlock
        var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var stop = false;
        long plays = 0, pauses = 0;
        var playing = new Thread(() => { while (!Volatile.Read(ref stop)) { player.Play(); Interlocked.Increment(ref plays); } }) { IsBackground = true };
        var pausing = new Thread(() => { while (!Volatile.Read(ref stop)) { player.Pause(); Interlocked.Increment(ref pauses); } }) { IsBackground = true };
        playing.Start();
        pausing.Start();

        // Twelve half-second checks, as long as the deadlock used to take to appear. One still check is not a deadlock:
        // on a loaded machine both threads (and the link's, which a Play may wait for) can be off the CPU for half a
        // second. A deadlock is for ever, so "stuck" is no progress for 5 s in a row, which is waited out even when it
        // starts near the end.
        var stuck = false;
        long lastPlays = -1, lastPauses = -1;
        var stillChecks = 0;
        for (var check = 0; (check < 12 || stillChecks > 0) && !stuck; check++)
        {
            Thread.Sleep(500);
            var (p, q) = (Interlocked.Read(ref plays), Interlocked.Read(ref pauses));
            stillChecks = p == lastPlays && q == lastPauses ? stillChecks + 1 : 0;
            stuck = stillChecks >= 10;
            (lastPlays, lastPauses) = (p, q);
        }

        Volatile.Write(ref stop, true);
        Assert.IsFalse(stuck, $"Play and Pause both stopped making progress (plays {lastPlays}, pauses {lastPauses}): deadlock");
        playing.Join();
        pausing.Join();
        player.Dispose();
        Assert.IsTrue(Leaks.Eventually(() => links.GetDisplayLink().SubscriberCount == 0), "the last state (paused or disposed) left no subscription");
        links.Dispose();
        image.Dispose();
    }
}
