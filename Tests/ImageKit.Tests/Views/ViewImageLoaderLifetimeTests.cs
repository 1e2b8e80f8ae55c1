using System.Runtime.CompilerServices;
using ImageKit.Tests.TestUtilities;
using ImageKit.Views;

namespace ImageKit.Tests.Views;

/// <summary>A load in progress holds its view weakly: a view dropped meanwhile is collected and shown nothing.</summary>
[TestClass]
public sealed class ViewImageLoaderLifetimeTests
{
    [TestMethod]
    public async Task LoadAsync_PendingLoadOfADroppedView_DoesNotKeepTheViewAlive()
    {
        var tracker = new ViewLoadTracker();
        var load = new TaskCompletionSource<Result>();
        var shown = new List<string>();
        var (weak, task) = StartOnGarbageView(tracker, load, shown);

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.TryGetTarget(out _)), "the pending load kept the view alive");
        var late = new Result("late");
        load.SetResult(late);

        Assert.AreEqual(ViewLoadOutcome.Stale, (await task).Outcome, "a load for a collected view shows nothing");
        Assert.IsEmpty(shown);
        Assert.IsTrue(late.Disposed, "a result nobody shows is disposed");
    }

    [TestMethod]
    public async Task LoadAsync_ViewDroppedWhileLoading_IsCollectedAndItsResultDisposedUnshown()
    {
        // The display a view extension writes: every step reaches the view through its argument, none captures it.
        var tracker = new ViewLoadTracker();
        var load = new TaskCompletionSource<Result>();
        var log = new List<string>();
        var (weak, task) = StartOnDroppedView(tracker, load, LoggingDisplay(log));
        Assert.AreEqual("placeholder:cell", string.Join(' ', log), "the placeholder reached the view before it was dropped");

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.TryGetTarget(out _)), "the pending load kept the view alive");
        var late = new Result("late");
        load.SetResult(late);

        Assert.AreEqual(ViewLoadOutcome.Stale, (await task).Outcome);
        Assert.AreEqual("placeholder:cell", string.Join(' ', log), "nothing shown after the view went");
        Assert.IsTrue(late.Disposed, "a result nobody shows is disposed");
    }

    [TestMethod]
    public async Task LoadAsync_ViewDroppedWhileLoadingThenTheLoadFails_ShowsNoError()
    {
        var tracker = new ViewLoadTracker();
        var load = new TaskCompletionSource<Result>();
        var log = new List<string>();
        var (weak, task) = StartOnDroppedView(tracker, load, LoggingDisplay(log));

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.TryGetTarget(out _)), "the pending load kept the view alive");
        load.SetException(new InvalidOperationException("offline"));

        Assert.AreEqual(ViewLoadOutcome.Stale, (await task).Outcome);
        Assert.AreEqual("placeholder:cell", string.Join(' ', log));
    }

    [TestMethod]
    public async Task LoadAsync_OneDisplayForManyViews_ShowsEachStepInItsOwnView()
    {
        var tracker = new ViewLoadTracker();
        var log = new List<string>();
        var display = LoggingDisplay(log);
        var a = new NamedView("a");
        var b = new NamedView("b");

        var first = ViewImageLoader.LoadAsync(tracker, a, _ => Task.FromResult(new Result("1")), display);
        var second = ViewImageLoader.LoadAsync(tracker, b, _ => Task.FromException<Result>(new InvalidOperationException("x")), display);

        Assert.AreEqual(ViewLoadOutcome.Shown, (await first).Outcome);
        Assert.AreEqual(ViewLoadOutcome.Failed, (await second).Outcome);
        Assert.AreEqual("placeholder:a 1:a placeholder:b error:b", string.Join(' ', log));
    }

    // The view exists only here: the display callbacks do not capture it, as a view extension holding it weakly would.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference<object> View, Task<ViewLoadResult> Load) StartOnGarbageView(ViewLoadTracker tracker, TaskCompletionSource<Result> load, List<string> shown)
    {
        var view = new object();
        var task = ViewImageLoader.LoadAsync(tracker, view, _ => load.Task, new ViewImageDisplay<object, Result> { ShowResult = (_, r, _) => shown.Add(r.Name) });
        return (new WeakReference<object>(view), task);
    }

    // Like StartOnGarbageView, with a display whose steps take the view from their argument.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference<NamedView> View, Task<ViewLoadResult> Load) StartOnDroppedView(
        ViewLoadTracker tracker,
        TaskCompletionSource<Result> load,
        ViewImageDisplay<NamedView, Result> display)
    {
        var view = new NamedView("cell");
        var task = ViewImageLoader.LoadAsync(tracker, view, _ => load.Task, display);
        return (new WeakReference<NamedView>(view), task);
    }

    private static ViewImageDisplay<NamedView, Result> LoggingDisplay(List<string> log) => new()
    {
        ShowPlaceholder = v => log.Add($"placeholder:{v.Name}"),
        ShowResult = (v, r, _) => log.Add($"{r.Name}:{v.Name}"),
        ShowError = (v, _) => log.Add($"error:{v.Name}"),
    };

    private sealed class NamedView(string name)
    {
        public string Name { get; } = name;
    }

    private sealed class Result(string name) : IDisposable
    {
        public string Name { get; } = name;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
