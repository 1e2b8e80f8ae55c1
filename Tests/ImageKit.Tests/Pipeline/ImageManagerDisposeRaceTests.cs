using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using Microsoft.Extensions.Logging;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// Work of a manager that races its disposal: once Dispose has returned, nothing of the manager touches the caches (the
/// README lets the app dispose a cache it passed in right after).
/// </summary>
[TestClass]
public sealed class ImageManagerDisposeRaceTests
{
    private const int UndecodableFrameForgottenEvent = 1008;
    private static readonly string s_broken = Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", "undecodable-animation.gif");

    public TestContext TestContext { get; set; } = null!;

    // A frame of an image the app keeps fails to decode while its manager is being disposed: the manager's handler had
    // checked that it was not disposed, then went on to remove the image from the caches after Dispose had returned.
    [TestMethod]
    public async Task FrameFailsAsTheManagerIsDisposed_TheCachesAreNotTouchedAfterDisposeReturned()
    {
        var token = TestContext.CancellationToken;
        using var cache = new ImageCache(new ImageCacheOptions());
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        using var gate = new GatedLoggerProvider(UndecodableFrameForgottenEvent);
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(gate));
        var manager = new ImageManager(cache, downloader, new ImageManagerOptions { LoggerFactory = loggerFactory });
        using var result = await manager.LoadImageAsync(new Uri(s_broken), cancellationToken: token);
        Assert.AreEqual(1, cache.Memory.Count, "precondition: the image is in the memory cache");

        // The frame fails on another thread; the manager's handler is held inside, past its disposed check.
        var frame = Task.Run(() => Assert.ThrowsExactly<ImageDecodingException>(() => result.Image.GetFrame(0)), token);
        await gate.Entered.Task.WaitAsync(DownloadTestOptions.Patience, token);

        await manager.DisposeAsync().AsTask().WaitAsync(DownloadTestOptions.Patience, token);
        gate.Release.TrySetResult();
        await frame.WaitAsync(DownloadTestOptions.Patience, token);
        await manager.WhenUndecodableForgottenAsync().WaitAsync(DownloadTestOptions.Patience, token);

        Assert.AreEqual(1, cache.Memory.Count, "the disposed manager removed an entry from the app's cache after DisposeAsync returned");
    }

    /// <summary>Makes loggers that hold the thread logging one event until released.</summary>
    private sealed class GatedLoggerProvider(int eventId) : ILoggerProvider
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ILogger CreateLogger(string categoryName) => new GatedLogger(this);

        public void Dispose() => Release.TrySetResult();

        private sealed class GatedLogger(GatedLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (eventId.Id == owner._eventId)
                {
                    owner.Entered.TrySetResult();
                    owner.Release.Task.Wait(DownloadTestOptions.Patience);
                }
            }
        }

        private readonly int _eventId = eventId;
    }
}
