using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// An application that blocks its UI thread on an ImageKit task (<c>.Result</c>, <c>.Wait()</c>,
/// <c>GetAwaiter().GetResult()</c>: sync over async, common in older UI code) must not deadlock. So no continuation of
/// ImageKit's may be posted to the caller's <see cref="SynchronizationContext"/>: each operation here runs on a thread
/// whose context records every post and never runs it, as a blocked UI thread would, and must complete with none posted.
/// </summary>
[TestClass]
public sealed class SyncOverAsyncTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(240_000, CooperativeCancellation = true)]
    public async Task LoadImageAsync_EveryKindOfUrl_CompletesForACallerBlockingItsUiThread()
    {
        await using var world = await PipelineWorld.StartAsync(TestContext.CancellationToken);
        using var folder = new TempFolder();
        var cacheOptions = new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } };
        var manager = await BlockedAsync(() => new ImageManager(cacheOptions, PipelineWorld.DownloaderOptions()));
        var stall = world.Urls.First(u => u.AbsolutePath.StartsWith("/stall/", StringComparison.Ordinal));
        var urls = world.Urls.Where(u => !u.AbsolutePath.StartsWith("/stall/", StringComparison.Ordinal)).Append(stall).ToList();
        var loaded = 0;

        foreach (var url in urls.Concat(urls))
        {
            // The second round: memory hits and failures remembered.
            loaded += await LoadsAsync(() => manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true })) ? 1 : 0;
        }

        await BlockedAsync(() => manager.WaitForDiskStoresAsync());
        using (var cancelled = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            Assert.IsFalse(await LoadsAsync(() => manager.LoadImageAsync(stall, new ImageLoadOptions { RetryFailed = true }, cancellationToken: cancelled.Token)));
        }

        await BlockedAsync(() => manager.DisposeAsync().AsTask());

        // The disk: a manager of its own over the same folder.
        var later = await BlockedAsync(() => new ImageManager(cacheOptions, PipelineWorld.DownloaderOptions()));
        foreach (var url in world.Urls.Where(u => world.CacheableBytes(u) is not null && !world.IsFlaky(u)))
        {
            using var result = await BlockedAsync(() => later.LoadImageAsync(url));
            Assert.AreEqual(ImageLoadSource.Disk, result.Source, url.ToString());
        }

        await BlockedAsync(() => later.WarmUpAsync());
        var prefetcher = new ImagePrefetcher(later);
        var prefetched = await BlockedAsync(() => prefetcher.PrefetchAsync(world.Urls.Where(world.IsHealthy)));
        await BlockedAsync(() => later.DisposeAsync().AsTask());
        Assert.IsGreaterThan(10, loaded);
        Assert.IsEmpty(prefetched.Failures);
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task DiskAndImageCacheOperations_CompleteForACallerBlockingItsUiThread()
    {
        using var folder = new TempFolder();
        var bytes = Corpus.Read("TestImage.gif");

        var disk = await BlockedAsync(() => new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Combine("disk"), MaxInlineBytes = 100 }));
        await BlockedAsync(() => disk.SetAsync("a", bytes));
        await BlockedAsync(() => disk.SetAsync("b", bytes.AsMemory(0, 50)));
        Assert.IsNotNull(await BlockedAsync(() => disk.GetAsync("a")));
        Assert.IsNotNull(await BlockedAsync(() => disk.GetMetadataAsync("a")));
        Assert.IsTrue(await BlockedAsync(() => disk.ContainsAsync("b")));
        Assert.IsTrue(await BlockedAsync(() => disk.UpdateMetadataAsync("a", new DiskCacheMetadata { ETag = "\"v2\"" })));
        Assert.IsTrue(await BlockedAsync(() => disk.RemoveAsync("b")));
        await BlockedAsync(() => disk.SweepAsync());
        await BlockedAsync(() => disk.TrimAsync(maxSizeBytes: 1));
        await BlockedAsync(() => disk.SetAsync("c", bytes));
        await BlockedAsync(() => disk.ClearAsync());
        Assert.AreEqual(0, (await BlockedAsync(() => disk.GetStatisticsAsync())).EntryCount);
        await BlockedAsync(() => disk.DisposeAsync().AsTask());

        var cache = await BlockedAsync(() => new ImageCache(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Combine("images") } }));
        using var image = ImageKit.Decoding.AnimatedImage.Decode(bytes);
        await BlockedAsync(() => cache.StoreAsync("k", image, bytes));
        (await BlockedAsync(() => cache.QueryAsync("k")))!.Dispose();
        Assert.IsNotNull(await BlockedAsync(() => cache.GetEncodedAsync("k")));
        Assert.AreEqual(ImageCacheType.All, await BlockedAsync(() => cache.ContainsAsync("k")));
        Assert.IsTrue(await BlockedAsync(() => cache.RemoveAsync("k", ImageCacheType.Memory)));
        (await BlockedAsync(() => cache.QueryAsync("k")))!.Dispose();
        await BlockedAsync(() => cache.ClearAsync());
        await BlockedAsync(() => cache.DisposeAsync().AsTask());
    }

    // Whether the load succeeded; a load's failure or cancellation is an answer too, only a deadlock or a post is not.
    private static async Task<bool> LoadsAsync(Func<Task<ImageLoadResult>> load)
    {
        try
        {
            (await BlockedAsync(load)).Dispose();
            return true;
        }
        catch (Exception e) when (e is not AssertFailedException)
        {
            return false;
        }
    }

    private static Task<bool> BlockedAsync(Func<Task> operation) => BlockedAsync(async () =>
    {
        await operation().ConfigureAwait(false); // the test's own await must not post to the context either
        return true;
    });

    private static Task<T> BlockedAsync<T>(Func<T> operation) => BlockedAsync(() => Task.FromResult(operation()));

    // Runs `operation` on a thread of its own whose context never runs what is posted to it, and blocks that thread on
    // the task, as a UI thread calling .Result would. Fails if the task does not complete or anything was posted.
    private static Task<T> BlockedAsync<T>(Func<Task<T>> operation)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var context = new BlockedContext();
            SynchronizationContext.SetSynchronizationContext(context);
            try
            {
                var task = operation();
                if (!task.Wait(s_patience))
                {
                    done.SetException(new AssertFailedException($"the operation did not complete in {s_patience.TotalSeconds} s with the caller blocked ({context.Posts} continuations posted to its context)"));
                }
                else if (context.Posts > 0)
                {
                    done.SetException(new AssertFailedException($"{context.Posts} continuations were posted to the blocked caller's context"));
                }
                else
                {
                    done.SetResult(task.Result);
                }
            }
            catch (Exception e)
            {
                done.SetException(e is AggregateException { InnerExceptions.Count: 1 } one ? one.InnerExceptions[0] : e);
            }
        })
        {
            IsBackground = true,
            Name = "blocked UI thread",
        };
        thread.Start();
        return done.Task;
    }

    private sealed class BlockedContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state) => Interlocked.Increment(ref _posts);

        public override void Send(SendOrPostCallback d, object? state) => Interlocked.Increment(ref _posts);

        public override SynchronizationContext CreateCopy() => this;
    }
}
