using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Views;

namespace ImageKit.Tests.Views;

/// <summary>Loads of a view that end by cancellation, whoever cancelled them: nothing shown, nothing left behind.</summary>
[TestClass]
public sealed class ViewImageLoaderCancellationTests
{
    public TestContext TestContext { get; set; } = null!;

    // Promise (ViewImageLoader.LoadAsync): "Cancellation shows nothing". Disposing the manager cancels its loads (they end
    // with OperationCanceledException, ImageManager.Dispose says); the view showed its error image and reported Failed.
    [TestMethod]
    public async Task LoadAsync_ManagerDisposedMidLoad_EndsCancelledAndShowsNoError()
    {
        var manager = new ImageManager(new ImageCacheOptions());
        var loader = new WaitingLoader();
        manager.Loaders.Insert(0, loader);
        var tracker = new ViewLoadTracker();
        var view = new object();
        var log = new List<string>();

        var task = ViewImageLoader.LoadAsync(
            tracker,
            view,
            token => manager.LoadImageAsync(new Uri("waiting://host/a.gif"), cancellationToken: token),
            new ViewImageDisplay<object, ImageLoadResult>
            {
                ShowPlaceholder = _ => log.Add("placeholder"),
                ShowResult = (_, r, _) => { log.Add("result"); r.Dispose(); },
                ShowError = (_, e) => log.Add($"error {e.GetType().Name}"),
            },
            TestContext.CancellationToken);
        await loader.Entered.Task.WaitAsync(TestContext.CancellationToken);
        await manager.DisposeAsync();

        var outcome = await task;

        Assert.AreEqual("placeholder", string.Join(", ", log), "a cancelled load shows no error");
        Assert.AreEqual(ViewLoadOutcome.Cancelled, outcome.Outcome);
        Assert.IsNull(outcome.Error);
        Assert.IsFalse(tracker.IsLoading(view));
    }

    // Promise (ViewImageLoader.LoadAsync): a failure that is not a cancellation still shows the error image, even when the
    // load reports it as an OperationCanceledException, as HttpClient does for its timeout.
    [TestMethod]
    public async Task LoadAsync_TimeoutReportedAsCancellation_ShowsTheError()
    {
        var tracker = new ViewLoadTracker();
        var view = new object();
        var log = new List<string>();
        using var timedOut = new CancellationTokenSource();
        await timedOut.CancelAsync();
        var timeout = new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException(), timedOut.Token);

        var outcome = await ViewImageLoader.LoadAsync(
            tracker,
            view,
            _ => Task.FromException<string>(timeout),
            new ViewImageDisplay<object, string>
            {
                ShowResult = (_, _, _) => log.Add("result"),
                ShowError = (_, _) => log.Add("error"),
            },
            TestContext.CancellationToken);

        Assert.AreEqual(ViewLoadOutcome.Failed, outcome.Outcome);
        Assert.AreSame(timeout, outcome.Error);
        Assert.AreEqual("error", string.Join(", ", log));
    }

    // Promise (ViewLoadTracker): nothing is left behind on any path. A cancellation callback of the view's previous load
    // that threw made Begin throw after it had made the new ticket the view's load: nobody could dispose that ticket, so
    // the view was "loading" for ever and the ticket's link to the caller's token was never undone.
    [TestMethod]
    public void Begin_PreviousLoadsCancellationCallbackThrows_LeavesNoLoadBehind()
    {
        var tracker = new ViewLoadTracker();
        var view = new object();
        using var first = tracker.Begin(view);
        using var registration = first.CancellationToken.Register(() => throw new InvalidOperationException("app callback"));
        using var caller = new CancellationTokenSource();

        Assert.ThrowsExactly<AggregateException>(() => tracker.Begin(view, caller.Token));

        Assert.IsFalse(tracker.IsLoading(view), "a load nobody holds a ticket for stays the view's current load");
        Assert.IsFalse(tracker.Cancel(view));
    }

    // A loader that waits until its load is cancelled.
    private sealed class WaitingLoader : IImageLoader
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool CanLoad(Uri url) => url.Scheme == "waiting";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException("unreachable");
        }
    }
}
