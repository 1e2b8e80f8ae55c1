using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using ImageKit.TestWorker;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Dispose is deterministic: it waits for the operations in flight, and once it returns no handle of the cache is open and
/// nothing touches its folder; operations that race with it complete or throw <see cref="ObjectDisposedException"/>.
/// </summary>
[TestClass]
public sealed class DiskImageCacheDisposeTests
{
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(30);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Dispose_WhileAFileWriteIsBetweenItsTempFileAndItsRow_WaitsForItAndNothingTouchesTheFolderAfterwards()
    {
        using var folder = new TempFolder();
        var clock = new GatedClock();
        var cache = Open(folder.Path, clock);
        await cache.OpeningSweep;
        var data = Bytes(200_000, 1);
        clock.Arm(); // the write's clock read comes after its temp file is complete, before the index write

        var set = Task.Run(() => cache.SetAsync("big", data, null, TestContext.CancellationToken), TestContext.CancellationToken);
        await clock.Reached.WaitAsync(s_hangGuard, TestContext.CancellationToken);
        var dispose = Task.Run(() =>
        {
            cache.Dispose();
            return (Open: Leaks.OpenFilesUnder(folder.Path), Listing: Listing(folder.Path));
        }, TestContext.CancellationToken);

        // Give a Dispose that does not wait the time to return while the write is held; one that waits must not finish.
        await Task.WhenAny(dispose, Task.Delay(300, TestContext.CancellationToken));
        clock.Release();
        var afterDispose = await dispose.WaitAsync(s_hangGuard, TestContext.CancellationToken);
        var setError = await ErrorOf(set);

        Assert.IsTrue(setError is null or ObjectDisposedException, $"the write completed or was refused, not: {setError}");
        if (OperatingSystem.IsLinux())
        {
            Assert.AreEqual(0, afterDispose.Open, "no file or index handle open once Dispose returned");
        }

        CollectionAssert.AreEqual(afterDispose.Listing, Listing(folder.Path), "nothing touched the folder after Dispose returned");
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")), "no temporary file left behind");
        using var reopened = Open(folder.Path);
        var entry = await reopened.GetAsync("big", TestContext.CancellationToken);
        if (setError is null)
        {
            CollectionAssert.AreEqual(data, entry?.Data, "the completed write is there, whole");
        }
        else
        {
            Assert.IsNull(entry, "the refused write left nothing");
        }
    }

    [TestMethod]
    public async Task Dispose_CalledFromWithinAnOperation_DoesNotDeadlockAndClosesWhenTheOperationEnds()
    {
        using var folder = new TempFolder();
        DiskImageCache? cache = null;
        var clock = new GatedClock(onReached: () => cache!.Dispose());
        cache = Open(folder.Path, clock);
        await cache.OpeningSweep;
        clock.Arm();

        var error = await ErrorOf(cache.SetAsync("big", Bytes(200_000, 2), null, TestContext.CancellationToken).WaitAsync(s_hangGuard, TestContext.CancellationToken));

        Assert.IsTrue(error is null or ObjectDisposedException, $"the write completed or was refused, not: {error}");
        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => cache.GetAsync("big", TestContext.CancellationToken));
        if (OperatingSystem.IsLinux())
        {
            Assert.IsTrue(Leaks.Eventually(() => Leaks.OpenFilesUnder(folder.Path) == 0), "closed once the operation ended");
        }
    }

    /// <summary>
    /// "Once it returns, no file or index handle of the cache is open": a second Dispose, made while the first one waited
    /// for an operation in flight, returned at once, with the operation still running and the index open.
    /// </summary>
    [TestMethod]
    public async Task Dispose_CalledAgainWhileTheFirstWaitsForAnOperation_ReturnsOnlyOnceTheCacheIsClosed()
    {
        using var folder = new TempFolder();
        var clock = new GatedClock();
        var cache = Open(folder.Path, clock);
        await cache.OpeningSweep;
        await cache.SetAsync("k", Bytes(10, 1), null, TestContext.CancellationToken);
        clock.Arm();
        var reading = Task.Run(() => cache.GetAsync("k", TestContext.CancellationToken), TestContext.CancellationToken);
        await clock.Reached.WaitAsync(s_hangGuard, TestContext.CancellationToken); // an operation in flight, held

        var first = Task.Run(cache.Dispose, TestContext.CancellationToken);
        while (!Refuses(cache))
        {
            await Task.Yield(); // until the first Dispose has begun
        }

        var secondReturnedEarly = false;
        var second = new Thread(() =>
        {
            cache.Dispose();
            secondReturnedEarly = !reading.IsCompleted;
        });
        second.Start();
        // It either returns, or waits for the cache to close (which waits for the read held by the clock).
        while ((second.ThreadState & ThreadState.WaitSleepJoin) == 0 && second.IsAlive)
        {
            TestContext.CancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        clock.Release();
        second.Join();
        await first;
        Assert.IsFalse(secondReturnedEarly, "the second Dispose returned while an operation was still in flight");
        Assert.IsNotNull(await reading);
        if (OperatingSystem.IsLinux())
        {
            Assert.AreEqual(0, Leaks.OpenFilesUnder(folder.Path), "closed once Dispose returned");
        }
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Dispose_RacingMixedOperations_EachEndsNormallyOrObjectDisposedAndTheCacheReopensIntact()
    {
        using var folder = new TempFolder();
        // Worker content is 68 B to 16 KiB: with an 8 KiB threshold writes are inline and file ones alike.
        var cache = Open(folder.Path, TimeProvider.System, o => (o.FlushWrites, o.MaxInlineBytes, o.MaxSizeBytes) = (false, 8192, 256 * 1024));
        var keys = Enumerable.Range(0, 16).Select(i => $"key-{i}").ToArray();
        var started = new CountdownEvent(4 * 20);
        var unexpected = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var wrong = 0;

        var workers = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            var random = new Random(t);
            for (var i = 0; ; i++)
            {
                var key = keys[random.Next(keys.Length)];
                try
                {
                    switch (random.Next(12))
                    {
                        case < 5:
                            await cache.SetAsync(key, WorkerContent.Create(key, random.Next(1000)), null, TestContext.CancellationToken);
                            break;
                        case < 10:
                            if (await cache.GetAsync(key, TestContext.CancellationToken) is { } entry && !WorkerContent.IsValid(key, entry.Data))
                            {
                                Interlocked.Increment(ref wrong);
                            }

                            break;
                        case 10:
                            await cache.RemoveAsync(key, TestContext.CancellationToken);
                            break;
                        default:
                            await cache.TrimAsync(maxSizeBytes: 64 * 1024, cancellationToken: TestContext.CancellationToken);
                            break;
                    }
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (Exception e)
                {
                    unexpected.Enqueue(e);
                    return;
                }
                finally
                {
                    if (i < 20)
                    {
                        started.Signal();
                    }
                }
            }
        }, TestContext.CancellationToken)).ToArray();
        started.Wait(TestContext.CancellationToken);

        cache.Dispose();
        var openAfterDispose = Leaks.OpenFilesUnder(folder.Path);
        var listingAfterDispose = Listing(folder.Path);
        await Task.WhenAll(workers).WaitAsync(s_hangGuard, TestContext.CancellationToken);

        Assert.IsEmpty(unexpected, string.Join("\n", unexpected));
        Assert.AreEqual(0, wrong, "no read returned wrong bytes");
        if (OperatingSystem.IsLinux())
        {
            Assert.AreEqual(0, openAfterDispose, "no file or index handle open once Dispose returned");
        }

        CollectionAssert.AreEqual(listingAfterDispose, Listing(folder.Path), "nothing touched the folder after Dispose returned");
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")), "no temporary file left behind");
        using var reopened = Open(folder.Path, TimeProvider.System);
        Assert.IsFalse(reopened.IndexWasRebuilt, "the index was not damaged");
        var sweep = await reopened.SweepAsync(TestContext.CancellationToken);
        Assert.AreEqual(0, sweep.BrokenRowsRemoved, "every row has its bytes");
        foreach (var key in keys)
        {
            if (await reopened.GetAsync(key, TestContext.CancellationToken) is { } entry)
            {
                Assert.IsTrue(WorkerContent.IsValid(key, entry.Data), key);
            }
        }
    }

    private static bool Refuses(DiskImageCache cache)
    {
        try
        {
            _ = cache.GetStatisticsAsync();
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private static string[] Listing(string folder) =>
        [.. Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => $"{Path.GetRelativePath(folder, f)} {new FileInfo(f).Length}").Order(StringComparer.Ordinal)];

    private static async Task<Exception?> ErrorOf(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>The system clock, except that the first reading after <see cref="Arm"/> holds its caller until released.</summary>
    private sealed class GatedClock(Action? onReached = null) : TimeProvider
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task Reached => _reached.Task;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Release() => _release.TrySetResult();

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _reached.TrySetResult();
                if (onReached is not null)
                {
                    onReached();
                }
                else
                {
                    _release.Task.Wait();
                }
            }

            return System.GetUtcNow();
        }
    }
}
