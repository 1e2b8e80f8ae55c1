using System.Runtime.CompilerServices;
using ImageKit.Tests.TestUtilities;
using ImageKit.Views;

namespace ImageKit.Tests.Views;

[TestClass]
public sealed class ViewLoadTrackerTests
{
    [TestMethod]
    public void Begin_FirstLoad_IsCurrentAndCompletesCurrentOnce()
    {
        var tracker = new ViewLoadTracker();
        var view = new object();
        using var ticket = tracker.Begin(view);

        Assert.IsTrue(ticket.IsCurrent);
        Assert.IsTrue(tracker.IsLoading(view));
        Assert.AreEqual(ViewLoadCompletion.Current, ticket.Complete());
        Assert.AreEqual(ViewLoadCompletion.Stale, ticket.Complete(), "only once");
        Assert.IsFalse(tracker.IsLoading(view));
    }

    [TestMethod]
    public void Begin_SecondLoadForTheSameView_CancelsTheFirstAndMakesItStale()
    {
        var tracker = new ViewLoadTracker();
        var view = new object();
        using var first = tracker.Begin(view);

        using var second = tracker.Begin(view);

        Assert.IsTrue(first.CancellationToken.IsCancellationRequested);
        Assert.IsFalse(first.IsCurrent);
        Assert.IsTrue(second.IsCurrent);
        Assert.AreEqual(ViewLoadCompletion.Stale, first.Complete());
        Assert.IsTrue(tracker.IsLoading(view), "a stale completion does not forget the newer load");
        Assert.AreEqual(ViewLoadCompletion.Current, second.Complete());
    }

    [TestMethod]
    public void Begin_OtherView_DoesNotAffectThisView()
    {
        var tracker = new ViewLoadTracker();
        using var a = tracker.Begin(new object());
        using var b = tracker.Begin(new object());

        Assert.IsTrue(a.IsCurrent);
        Assert.AreEqual(ViewLoadCompletion.Current, a.Complete());
        Assert.AreEqual(ViewLoadCompletion.Current, b.Complete());
    }

    [TestMethod]
    public void Cancel_View_CancelsItsLoad()
    {
        var tracker = new ViewLoadTracker();
        var view = new object();
        using var ticket = tracker.Begin(view);

        Assert.IsTrue(tracker.Cancel(view));

        Assert.IsTrue(ticket.CancellationToken.IsCancellationRequested);
        Assert.AreEqual(ViewLoadCompletion.Stale, ticket.Complete());
        Assert.IsFalse(tracker.Cancel(view), "nothing left to cancel");
        Assert.IsFalse(tracker.IsLoading(view));
    }

    [TestMethod]
    public void Begin_CallerTokenCancelled_TicketIsCancelledAndStale()
    {
        var tracker = new ViewLoadTracker();
        var view = new object();
        using var source = new CancellationTokenSource();
        using var ticket = tracker.Begin(view, source.Token);

        source.Cancel();

        Assert.IsTrue(ticket.CancellationToken.IsCancellationRequested);
        Assert.AreEqual(ViewLoadCompletion.Stale, ticket.Complete());
        Assert.IsFalse(tracker.IsLoading(view), "a cancelled load is forgotten when it completes");
    }

    [TestMethod]
    public void Dispose_CurrentTicket_ForgetsTheLoadAndLaterSupersedeIsHarmless()
    {
        var tracker = new ViewLoadTracker();
        var view = new object();
        var ticket = tracker.Begin(view);

        ticket.Dispose();
        ticket.Dispose();

        Assert.IsFalse(tracker.IsLoading(view));
        using var next = tracker.Begin(view);
        Assert.IsTrue(next.IsCurrent);
    }

    [TestMethod]
    public void Dispose_StaleTicket_KeepsTheNewerLoad()
    {
        var tracker = new ViewLoadTracker();
        var view = new object();
        var first = tracker.Begin(view);
        using var second = tracker.Begin(view);

        first.Dispose();

        Assert.IsTrue(tracker.IsLoading(view));
        Assert.AreEqual(ViewLoadCompletion.Current, second.Complete());
    }

    [TestMethod]
    public void Begin_ViewDropped_TrackerAndTicketDoNotKeepItAlive()
    {
        var tracker = new ViewLoadTracker();
        var (weak, ticket) = BeginOnGarbage(tracker);

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.TryGetTarget(out _)), "the view was kept alive");
        Assert.AreEqual(ViewLoadCompletion.Stale, ticket.Complete(), "a load for a collected view shows nothing");
        ticket.Dispose();
    }

    [TestMethod]
    public void Begin_ManyViewsDropped_AllCollected()
    {
        var tracker = new ViewLoadTracker();
        var weaks = Enumerable.Range(0, 1_000).Select(_ => BeginAndDispose(tracker)).ToList();

        Assert.IsTrue(Leaks.CollectUntil(() => weaks.TrueForAll(w => !w.TryGetTarget(out _))), "views kept alive");
    }

    [TestMethod]
    public async Task Begin_ConcurrentReuseOfOneView_ExactlyTheLastTicketIsCurrent()
    {
        var tracker = new ViewLoadTracker();
        var view = new object();
        for (var round = 0; round < 100; round++)
        {
            var tickets = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => tracker.Begin(view), TestContext.CancellationToken)));
            var current = tickets.Where(t => t.IsCurrent).ToList();

            Assert.HasCount(1, current, $"round {round}");
            var completions = tickets.Select(t => t.Complete()).ToList();
            Assert.AreEqual(1, completions.Count(c => c == ViewLoadCompletion.Current), $"round {round}");
            Array.ForEach(tickets, t => t.Dispose());
        }
    }

    public TestContext TestContext { get; set; } = null!;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference<object> View, ViewLoadTicket Ticket) BeginOnGarbage(ViewLoadTracker tracker)
    {
        var view = new object();
        return (new WeakReference<object>(view), tracker.Begin(view));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<object> BeginAndDispose(ViewLoadTracker tracker)
    {
        var view = new object();
        tracker.Begin(view).Dispose();
        _ = tracker.Begin(view);
        return new WeakReference<object>(view);
    }
}
