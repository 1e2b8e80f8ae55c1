using System.Collections.Concurrent;
using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Pipeline;
using ImageKit.Tests.TestUtilities;
using ImageKit.Views;

namespace ImageKit.Tests.Views;

/// <summary>
/// A scrolling list on a UI thread, at random: six reused views are given new URLs (loaded through a real manager from
/// <see cref="PipelineWorld"/>'s good and bad answers), have their loads cancelled, or wait a moment. What must hold, as
/// SDWebImage's view category promises: a view never shows the result of a load it has moved on from; every view ends
/// showing its last load (or its error, for a URL that fails); every callback runs on the UI thread; and every result
/// has one owner — the view that shows it, or else it was disposed exactly once.
/// </summary>
[TestClass]
public sealed class ViewReuseRandomTests
{
    private const int Steps = 150;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public async Task RandomLoadsOnReusedViews_EachViewShowsItsLastLoadAndEveryResultHasOneOwner(int seed)
    {
        await using var world = await PipelineWorld.StartAsync(TestContext.CancellationToken);
        using var folder = new TempFolder();
        await using var manager = new ImageManager(
            new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } },
            PipelineWorld.DownloaderOptions());
        var tracker = new ViewLoadTracker();
        var views = Enumerable.Range(0, 6).Select(i => new ReusedView(i)).ToArray();
        var results = new ConcurrentQueue<TrackedResult>();
        var problems = new ConcurrentQueue<string>();
        var uiThread = -1;

        async Task<TrackedResult> LoadAsync(Uri url, CancellationToken cancellationToken)
        {
            var tracked = new TrackedResult(url, await manager.LoadImageAsync(url, cancellationToken: cancellationToken));
            results.Enqueue(tracked);
            return tracked;
        }

        await UiThread.RunAsync(async () =>
        {
            uiThread = Environment.CurrentManagedThreadId;
            var random = new Random(seed);
            var loads = new List<(ReusedView View, int Generation, Uri Url, Task<ViewLoadResult> Outcome)>();
            for (var step = 0; step < Steps; step++)
            {
                var view = views[random.Next(views.Length)];
                switch (random.Next(10))
                {
                    case < 7:
                        var url = world.Urls[random.Next(world.Urls.Count)];
                        var generation = view.Begin(url);
                        var outcome = ViewImageLoader.LoadAsync(
                            tracker,
                            view,
                            cancellationToken => LoadAsync(url, cancellationToken),
                            Display(generation, url, uiThread, problems));
                        loads.Add((view, generation, url, outcome));
                        break;
                    case 7:
                        view.Cancel();
                        tracker.Cancel(view);
                        break;
                    default:
                        await Task.Delay(random.Next(0, 15));
                        break;
                }
            }

            foreach (var (view, generation, url, outcome) in loads)
            {
                var result = await outcome;
                if (generation != view.Generation)
                {
                    continue; // moved on: Stale or Cancelled, checked by the display's own guard
                }

                // A flaky URL may load or fail; shown, it is held to what a healthy one is.
                var healthy = world.IsHealthy(url) || (world.IsFlaky(url) && result.Outcome == ViewLoadOutcome.Shown);
                var expected = healthy ? ViewLoadOutcome.Shown : ViewLoadOutcome.Failed;
                if (result.Outcome != expected)
                {
                    problems.Enqueue($"view {view.Id}'s last load {url} ended {result.Outcome} ({result.Error?.Message}), not {expected}");
                }
                else if (healthy && view.ShownUrl != url)
                {
                    problems.Enqueue($"view {view.Id} shows {view.ShownUrl}, not its last load {url}");
                }
            }
        }).WaitAsync(TimeSpan.FromMinutes(2), TestContext.CancellationToken);

        var shown = views.Select(v => v.Shown).OfType<TrackedResult>().ToHashSet();
        foreach (var result in results)
        {
            var disposals = result.Disposals;
            if (shown.Contains(result) ? disposals != 0 : disposals != 1)
            {
                problems.Enqueue($"{result.Url}: {(shown.Contains(result) ? "shown and" : "not shown, and")} disposed {disposals} times");
            }
        }

        foreach (var result in shown)
        {
            result.Dispose();
        }

        Assert.IsEmpty(problems, string.Join("\n", problems.Take(8)));
        TestContext.WriteLine($"seed {seed}: {results.Count} results, {shown.Count} shown at the end");
    }

    // What a view does at each step; the guard checks that only the view's current load reaches it, on the UI thread.
    private static ViewImageDisplay<ReusedView, TrackedResult> Display(int generation, Uri url, int uiThread, ConcurrentQueue<string> problems)
    {
        void Guard(ReusedView view, string step, bool mustBeCurrent)
        {
            if (Environment.CurrentManagedThreadId != uiThread)
            {
                problems.Enqueue($"view {view.Id}: {step} ran off the UI thread");
            }

            if (mustBeCurrent && generation != view.Generation)
            {
                problems.Enqueue($"view {view.Id}: {step} of {url} reached the view after it moved on");
            }
        }

        return new ViewImageDisplay<ReusedView, TrackedResult>
        {
            ShowPlaceholder = view =>
            {
                Guard(view, "the placeholder", mustBeCurrent: true);
                view.Show(null, null);
            },
            ShowResult = (view, result, _) =>
            {
                Guard(view, "the result", mustBeCurrent: true);
                view.Show(result, url);
            },
            ShowError = (view, _) => Guard(view, "the error", mustBeCurrent: true),
        };
    }

    /// <summary>A view of a list: which load it is on, and what it shows (it owns the result it shows).</summary>
    private sealed class ReusedView(int id)
    {
        public int Id { get; } = id;

        public int Generation { get; private set; }

        public TrackedResult? Shown { get; private set; }

        public Uri? ShownUrl { get; private set; }

        public int Begin(Uri url) => ++Generation;

        public void Cancel() => Generation++;

        public void Show(TrackedResult? result, Uri? url)
        {
            Shown?.Dispose();
            (Shown, ShownUrl) = (result, url);
        }
    }

    /// <summary>A load's result that counts how often it is disposed.</summary>
    private sealed class TrackedResult(Uri url, ImageLoadResult inner) : IDisposable
    {
        private int _disposals;

        public Uri Url { get; } = url;

        public int Disposals => Volatile.Read(ref _disposals);

        public void Dispose()
        {
            if (Interlocked.Increment(ref _disposals) == 1)
            {
                inner.Dispose();
            }
        }
    }
}
