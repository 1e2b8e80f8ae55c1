using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A <see cref="SynchronizationContext"/> whose <c>Post</c> throws once (a UI toolkit's context before its window exists,
/// or while it is torn down): frame changes are coalesced into one pending post, and a post that never happened must not
/// count as pending for ever.
/// </summary>
[TestClass]
public sealed class PlayerPostFailureTests
{
    [TestMethod]
    public async Task FrameChanged_AfterAPostThatThrew_IsPostedAgain()
    {
        using var links = new StepLinkProvider();
        var context = new FailingOnceContext();
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(
            image,
            new AnimatedImagePlayerOptions { DisplayLinkProvider = links, SynchronizationContext = context });
        var frames = new List<int>();
        player.FrameChanged += (_, e) => frames.Add(e.Index);
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount == 4, TimeSpan.FromSeconds(10)), "every frame decodes");
        Assert.IsTrue(SpinWait.SpinUntil(() => context.Pending == 1, TimeSpan.FromSeconds(10)), "the paused player posted frame 0");
        context.RunAll(); // frame 0, shown by the worker: no post of the paused player is left to fail in the test's place

        player.Play();
        links.Link.Tick(TimeSpan.Zero);
        context.FailNextPosts = 1;
        links.Link.Tick(TimeSpan.FromMilliseconds(110)); // frame 1: its post throws (the link counts the failed tick)
        links.Link.Tick(TimeSpan.FromMilliseconds(210)); // frame 2
        context.RunAll();

        Assert.AreEqual(1L, links.Link.FailedTicks, "the post of frame 1 threw to the link");
        CollectionAssert.AreEqual(new[] { 0, 2 }, frames, "frame changes raised on the context");
    }

    [TestMethod]
    public async Task Finished_OfATickWhoseOtherPostsThrew_IsStillPosted()
    {
        using var links = new StepLinkProvider();
        var context = new FailingOnceContext();
        using var image = TestAnimation.Image(2, loopCount: 1);
        await using var player = new AnimatedImagePlayer(
            image,
            new AnimatedImagePlayerOptions { DisplayLinkProvider = links, SynchronizationContext = context });
        var finished = 0;
        player.Finished += (_, _) => finished++;
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount == 2, TimeSpan.FromSeconds(10)), "every frame decodes");
        Assert.IsTrue(SpinWait.SpinUntil(() => context.Pending == 1, TimeSpan.FromSeconds(10)), "the paused player posted frame 0");
        context.RunAll();

        player.Play();
        links.Link.Tick(TimeSpan.Zero);
        context.FailNextPosts = 2;
        links.Link.Tick(TimeSpan.FromMilliseconds(500)); // frame 1 shown, the only loop ends: both their posts throw
        context.RunAll();

        Assert.AreEqual(1, finished, "Finished is posted although the posts of the frame change and the loop before it threw");
        Assert.IsFalse(player.IsPlaying);
    }

    /// <summary>Queues posts until the test runs them; the next <see cref="FailNextPosts"/> posts throw instead.</summary>
    private sealed class FailingOnceContext : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _posts = new();
        private int _failNextPosts;

        public int Pending
        {
            get
            {
                lock (_posts)
                {
                    return _posts.Count;
                }
            }
        }

        public int FailNextPosts
        {
            get => Volatile.Read(ref _failNextPosts);
            set => Volatile.Write(ref _failNextPosts, value);
        }

        public override void Post(SendOrPostCallback d, object? state)
        {
            if (FailNextPosts > 0)
            {
                Interlocked.Decrement(ref _failNextPosts);
                throw new InvalidOperationException("the window is not there yet");
            }

            lock (_posts)
            {
                _posts.Enqueue((d, state));
            }
        }

        public void RunAll()
        {
            while (true)
            {
                (SendOrPostCallback Callback, object? State) post;
                lock (_posts)
                {
                    if (!_posts.TryDequeue(out post))
                    {
                        return;
                    }
                }

                post.Callback(post.State);
            }
        }
    }

    private sealed class StepLinkProvider : DisplayLinkProvider
    {
        public StepLink Link { get; } = new();

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

    private sealed class StepLink : DisplayLink
    {
        private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

        public override TimeSpan RefreshPeriod => s_period;

        public void Tick(TimeSpan at) => DispatchTick(new DisplayLinkTick(at, at + s_period));

        protected override void StartCore()
        {
        }

        protected override void StopCore()
        {
        }
    }
}
