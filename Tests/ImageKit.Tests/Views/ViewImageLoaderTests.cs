using ImageKit.Tests.TestUtilities;
using ImageKit.Views;

namespace ImageKit.Tests.Views;

[TestClass]
public sealed class ViewImageLoaderTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadAsync_Success_ShowsPlaceholderThenResult()
    {
        var tracker = new ViewLoadTracker();
        var view = new FakeView();
        var load = new TaskCompletionSource<Result>();

        var task = ViewImageLoader.LoadAsync(tracker, view, _ => load.Task, FakeView.Display());
        Assert.AreEqual("placeholder", view.Log, "the placeholder is shown before the load returns");

        load.SetResult(new Result("a"));
        var outcome = await task;

        Assert.AreEqual(ViewLoadOutcome.Shown, outcome.Outcome);
        Assert.AreEqual("placeholder a", view.Log);
        Assert.IsFalse(view.Shown!.Disposed, "the view owns a shown result");
    }

    [TestMethod]
    public async Task LoadAsync_ReusedViewOlderLoadFinishesLast_NeverShowsTheOldImage()
    {
        var tracker = new ViewLoadTracker();
        var view = new FakeView();
        var old = new TaskCompletionSource<Result>();
        var current = new TaskCompletionSource<Result>();
        var oldResult = new Result("old");

        // The old load ignores its token, as a download that is already done would.
        var first = ViewImageLoader.LoadAsync(tracker, view, _ => old.Task, FakeView.Display());
        var second = ViewImageLoader.LoadAsync(tracker, view, _ => current.Task, FakeView.Display());
        current.SetResult(new Result("new"));
        old.SetResult(oldResult);

        Assert.AreEqual(ViewLoadOutcome.Stale, (await first).Outcome);
        Assert.AreEqual(ViewLoadOutcome.Shown, (await second).Outcome);
        Assert.AreEqual("placeholder placeholder new", view.Log);
        Assert.IsTrue(oldResult.Disposed, "a result nobody shows is disposed");
    }

    [TestMethod]
    public async Task LoadAsync_ReusedViewOlderLoadFinishesFirst_ShowsOnlyTheNewImage()
    {
        var tracker = new ViewLoadTracker();
        var view = new FakeView();
        var old = new TaskCompletionSource<Result>();
        var current = new TaskCompletionSource<Result>();

        var first = ViewImageLoader.LoadAsync(tracker, view, _ => old.Task, FakeView.Display());
        var second = ViewImageLoader.LoadAsync(tracker, view, _ => current.Task, FakeView.Display());
        old.SetResult(new Result("old"));
        Assert.AreEqual(ViewLoadOutcome.Stale, (await first).Outcome);
        Assert.AreEqual("placeholder placeholder", view.Log, "nothing shown while the current load runs");

        current.SetResult(new Result("new"));
        Assert.AreEqual(ViewLoadOutcome.Shown, (await second).Outcome);
        Assert.AreEqual("placeholder placeholder new", view.Log);
    }

    [TestMethod]
    public async Task LoadAsync_ReusedView_CancelsTheOldLoadsToken()
    {
        var tracker = new ViewLoadTracker();
        var view = new FakeView();
        CancellationToken oldToken = default;

        var first = ViewImageLoader.LoadAsync(
            tracker,
            view,
            async token =>
            {
                oldToken = token;
                await Task.Delay(Timeout.Infinite, token);
                return new Result("old");
            },
            FakeView.Display());
        var second = ViewImageLoader.LoadAsync(tracker, view, _ => Task.FromResult(new Result("new")), FakeView.Display());

        Assert.IsTrue(oldToken.IsCancellationRequested);
        Assert.AreEqual(ViewLoadOutcome.Cancelled, (await first).Outcome);
        Assert.AreEqual(ViewLoadOutcome.Shown, (await second).Outcome);
        Assert.AreEqual("placeholder placeholder new", view.Log, "cancellation shows nothing");
    }

    [TestMethod]
    public async Task LoadAsync_CallerCancels_ShowsNothingAndDoesNotThrow()
    {
        var tracker = new ViewLoadTracker();
        var view = new FakeView();
        using var source = new CancellationTokenSource();

        var task = ViewImageLoader.LoadAsync(
            tracker,
            view,
            async token =>
            {
                await Task.Delay(Timeout.Infinite, token);
                return new Result("never");
            },
            FakeView.Display(),
            source.Token);
        await source.CancelAsync();

        Assert.AreEqual(ViewLoadOutcome.Cancelled, (await task).Outcome);
        Assert.AreEqual("placeholder", view.Log);
        Assert.IsFalse(tracker.IsLoading(view));
    }

    [TestMethod]
    public async Task LoadAsync_TrackerCancelsView_ShowsNothing()
    {
        var tracker = new ViewLoadTracker();
        var view = new FakeView();
        var load = new TaskCompletionSource<Result>();
        var late = new Result("late");

        var task = ViewImageLoader.LoadAsync(tracker, view, _ => load.Task, FakeView.Display());
        tracker.Cancel(view);
        load.SetResult(late);

        Assert.AreEqual(ViewLoadOutcome.Stale, (await task).Outcome);
        Assert.AreEqual("placeholder", view.Log);
        Assert.IsTrue(late.Disposed);
    }

    [TestMethod]
    public async Task LoadAsync_Failure_ShowsTheErrorImage()
    {
        var tracker = new ViewLoadTracker();
        var view = new FakeView();
        var failure = new ImageKitException("http://x/a.gif", "boom", null);

        var outcome = await ViewImageLoader.LoadAsync(tracker, view, _ => Task.FromException<Result>(failure), FakeView.Display());

        Assert.AreEqual(ViewLoadOutcome.Failed, outcome.Outcome);
        Assert.AreSame(failure, outcome.Error);
        Assert.AreEqual("placeholder error", view.Log);
    }

    [TestMethod]
    public async Task LoadAsync_StaleFailure_ShowsNothing()
    {
        var tracker = new ViewLoadTracker();
        var view = new FakeView();
        var old = new TaskCompletionSource<Result>();

        var first = ViewImageLoader.LoadAsync(tracker, view, _ => old.Task, FakeView.Display());
        var second = ViewImageLoader.LoadAsync(tracker, view, _ => Task.FromResult(new Result("new")), FakeView.Display());
        old.SetException(new InvalidOperationException("late failure"));

        Assert.AreEqual(ViewLoadOutcome.Cancelled, (await first).Outcome, "superseded: its token was cancelled");
        Assert.AreEqual(ViewLoadOutcome.Shown, (await second).Outcome);
        Assert.AreEqual("placeholder placeholder new", view.Log);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task LoadAsync_CrossFadeRule_IsPassedToShowResult(bool fade)
    {
        var view = new FakeView();
        var display = FakeView.Display(crossFade: r => r.Name == "network" && fade);

        await ViewImageLoader.LoadAsync(new ViewLoadTracker(), view, _ => Task.FromResult(new Result("network")), display);

        Assert.AreEqual(fade, view.LastCrossFade);
    }

    [TestMethod]
    public async Task LoadAsync_CrossFadeRuleThrows_DisposesTheResultItNeverShowed()
    {
        var view = new FakeView();
        var result = new Result("network");
        var display = FakeView.Display(crossFade: _ => throw new InvalidOperationException("rule bug"));

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => ViewImageLoader.LoadAsync(new ViewLoadTracker(), view, _ => Task.FromResult(result), display));

        Assert.IsTrue(result.Disposed, "nobody else would release it");
    }

    [TestMethod]
    public async Task LoadAsync_NoCrossFadeRule_DoesNotFade()
    {
        var view = new FakeView();

        await ViewImageLoader.LoadAsync(new ViewLoadTracker(), view, _ => Task.FromResult(new Result("a")), new ViewImageDisplay<FakeView, Result> { ShowResult = static (v, r, fade) => v.Show(r, fade) });

        Assert.IsFalse(view.LastCrossFade);
        Assert.AreEqual("a", view.Log, "no placeholder callback: nothing else shown");
    }

    [TestMethod]
    public async Task LoadAsync_ManyCellsReusedWithInterleavedCompletions_EachShowsOnlyItsLatestImage()
    {
        // A scrolling table: 8 cells, each reused for many rows; loads finish in a shuffled order.
        var tracker = new ViewLoadTracker();
        var random = new Random(1201);
        var cells = Enumerable.Range(0, 8).Select(_ => new FakeView()).ToArray();
        var pending = new List<(TaskCompletionSource<Result> Load, string Name)>();
        var tasks = new List<Task<ViewLoadResult>>();
        var latest = new string[cells.Length];
        var results = new List<Result>();

        for (var row = 0; row < 400; row++)
        {
            var cell = row % cells.Length;
            var load = new TaskCompletionSource<Result>();
            var name = $"row{row}";
            latest[cell] = name;
            cells[cell].Expected = name;
            pending.Add((load, name));
            tasks.Add(ViewImageLoader.LoadAsync(tracker, cells[cell], _ => load.Task, FakeView.Display(), TestContext.CancellationToken));

            // Finish a few random loads between scrolls.
            while (pending.Count > 0 && random.Next(3) == 0)
            {
                Complete(random.Next(pending.Count));
            }
        }

        while (pending.Count > 0)
        {
            Complete(random.Next(pending.Count));
        }

        var outcomes = await Task.WhenAll(tasks);

        for (var cell = 0; cell < cells.Length; cell++)
        {
            Assert.AreEqual(latest[cell], cells[cell].Shown?.Name, $"cell {cell}: {cells[cell].Log}");
            Assert.AreEqual(0, cells[cell].StaleShows, $"cell {cell} showed a row it had moved on from: {cells[cell].Log}");
        }

        var shows = cells.Sum(c => c.ShownCount);
        Assert.AreEqual(shows, outcomes.Count(o => o.Outcome == ViewLoadOutcome.Shown));
        Assert.IsLessThan(tasks.Count, shows, "the shuffle made some loads stale");
        Assert.AreEqual(results.Count - shows, results.Count(r => r.Disposed), "every result not shown is disposed");

        void Complete(int index)
        {
            var (load, name) = pending[index];
            pending.RemoveAt(index);
            var result = new Result(name);
            results.Add(result);
            load.SetResult(result);
        }
    }

    [TestMethod]
    public async Task LoadAsync_NewerLoadFinishesBeforeTheOlderShowsItsPlaceholder_TheOlderShowsNoPlaceholderOverTheNewImage()
    {
        // The same view begun twice at once: while the older load is being begun (here, from the cancellation callback of
        // the load before it, which runs inside Begin), a newer load for the view begins and shows its image. The older
        // load is stale before it reaches its placeholder, so it must not cover the newer image with it.
        var tracker = new ViewLoadTracker();
        var view = new FakeView();
        Task<ViewLoadResult>? newest = null;

        var first = ViewImageLoader.LoadAsync(
            tracker,
            view,
            async token =>
            {
                _ = token.Register(() => newest = ViewImageLoader.LoadAsync(tracker, view, _ => Task.FromResult(new Result("new")), FakeView.Display()));
                await Task.Delay(Timeout.Infinite, token);
                return new Result("first");
            },
            FakeView.Display());
        var middle = ViewImageLoader.LoadAsync(
            tracker,
            view,
            async token =>
            {
                await Task.Delay(Timeout.Infinite, token);
                return new Result("middle");
            },
            FakeView.Display());

        Assert.IsNotNull(newest, "the newest load began while the middle one was being begun");
        Assert.AreEqual(ViewLoadOutcome.Shown, (await newest).Outcome);
        Assert.AreEqual(ViewLoadOutcome.Cancelled, (await middle).Outcome);
        Assert.AreEqual(ViewLoadOutcome.Cancelled, (await first).Outcome);
        Assert.AreEqual("new", view.Shown?.Name);
        Assert.AreEqual("placeholder placeholder new", view.Log, "the stale middle load showed its placeholder over the newest image");
    }

    [TestMethod]
    public async Task LoadAsync_NullArguments_Throw()
    {
        var view = new FakeView();
        var tracker = new ViewLoadTracker();
        var display = FakeView.Display();
        Func<CancellationToken, Task<Result>> load = _ => Task.FromResult(new Result("a"));

        await Assert.ThrowsExactlyAsync<ArgumentNullException>(() => ViewImageLoader.LoadAsync(null!, view, load, display));
        await Assert.ThrowsExactlyAsync<ArgumentNullException>(() => ViewImageLoader.LoadAsync(tracker, null!, load, display));
        await Assert.ThrowsExactlyAsync<ArgumentNullException>(() => ViewImageLoader.LoadAsync(tracker, view, null!, display));
        await Assert.ThrowsExactlyAsync<ArgumentNullException>(() => ViewImageLoader.LoadAsync(tracker, view, load, null!));
        Assert.AreEqual(string.Empty, view.Log);
    }

    private sealed class Result(string name) : IDisposable
    {
        public string Name { get; } = name;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class FakeView
    {
        private readonly List<string> _log = [];

        public Result? Shown { get; private set; }

        public int ShownCount { get; private set; }

        public bool LastCrossFade { get; private set; }

        public string? Expected { get; set; }

        public int StaleShows { get; private set; }

        public string Log => string.Join(' ', _log);

        public static ViewImageDisplay<FakeView, Result> Display(Func<Result, bool>? crossFade = null) => new()
        {
            ShowPlaceholder = static v => v._log.Add("placeholder"),
            ShowResult = static (v, r, fade) => v.Show(r, fade),
            ShowError = static (v, _) => v._log.Add("error"),
            CrossFade = crossFade,
        };

        public void Show(Result result, bool crossFade)
        {
            _log.Add(result.Name);
            Shown = result;
            ShownCount++;
            if (Expected is not null && result.Name != Expected)
            {
                StaleShows++;
            }
            LastCrossFade = crossFade;
        }
    }
}
