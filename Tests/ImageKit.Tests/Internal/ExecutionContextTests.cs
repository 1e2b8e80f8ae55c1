using System.Runtime.CompilerServices;
using ImageKit.Animation;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Display;
using ImageKit.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Internal;

/// <summary>
/// Long-lived timers and threads must not capture (and root, and run later work in) the ExecutionContext of whichever
/// caller happened to create or start them.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class ExecutionContextTests
{
    private static readonly AsyncLocal<object?> s_local = new();

    private sealed class Payload;

    private sealed class Recorder : IDisplayLinkTarget
    {
        public volatile bool SawForeignContext;
        public int Ticks;

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            if (s_local.Value is not null)
            {
                SawForeignContext = true;
            }

            Interlocked.Increment(ref Ticks);
        }
    }

    // Runs `action` with s_local set to a fresh payload, on a thread-pool task so that the AsyncLocal does not leak back.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Payload, T Result) InsideContext<T>(Func<T> action)
    {
        return Task.Run(() =>
        {
            var payload = new Payload();
            s_local.Value = payload;
            return (new WeakReference(payload), action());
        }).GetAwaiter().GetResult();
    }

    [TestMethod]
    public void TimerLink_StartedFromACallersContext_TicksOutsideItAndDoesNotRootIt()
    {
        using var links = new TimerDisplayLinkProvider(240);
        var link = links.GetDisplayLink();
        var first = new Recorder();
        var (payload, firstSubscription) = InsideContext(() => link.Subscribe(first)); // starts the link's thread

        var second = new Recorder();
        using var secondSubscription = link.Subscribe(second); // subscribed from a clean context
        firstSubscription.Dispose();                          // the first subscriber leaves; the link keeps running

        Assert.IsTrue(Leaks.Eventually(() => Volatile.Read(ref second.Ticks) > 10));
        Assert.IsFalse(second.SawForeignContext, "the second subscriber's ticks saw the first subscriber's AsyncLocal");
        Assert.IsTrue(Leaks.CollectUntil(() => !payload.IsAlive), "the running link roots the first subscriber's ExecutionContext");
    }

    [TestMethod]
    public void ImageManager_DoesNotRootTheExecutionContextItWasCreatedIn()
    {
        var (payload, manager) = InsideContext(() => new ImageManager(new ImageCacheOptions()));
        using (manager)
        {
            Assert.IsTrue(Leaks.CollectUntil(() => !payload.IsAlive), "a live ImageManager roots its creator's ExecutionContext (InFlightLoads timers)");
        }
    }

    [TestMethod]
    public void InFlightLoads_DoesNotRootTheExecutionContextItWasCreatedIn()
    {
        var (payload, loads) = InsideContext(() => new InFlightLoads());
        using (loads)
        {
            Assert.IsTrue(Leaks.CollectUntil(() => !payload.IsAlive), "InFlightLoads' two Timers captured the creator's ExecutionContext");
        }
    }

    [TestMethod]
    public void DiskImageCache_DoesNotRootTheExecutionContextItWasCreatedIn()
    {
        var directory = Path.Combine(Path.GetTempPath(), "imagekit-audit-" + Guid.NewGuid().ToString("N"));
        try
        {
            new DiskImageCache(new DiskImageCacheOptions { Directory = directory + "-warm" }).Dispose(); // first-use statics
            var (payload, cache) = InsideContext(() => new DiskImageCache(new DiskImageCacheOptions { Directory = directory }));
            using (cache)
            {
                Assert.IsTrue(Leaks.CollectUntil(() => !payload.IsAlive), "AccessRecorder's TimeProvider timer captured the creator's ExecutionContext");
            }
        }
        finally
        {
            TryDelete(directory);
            TryDelete(directory + "-warm");
        }
    }

    [TestMethod]
    public void PixelBufferPool_DecayTimer_DoesNotRootTheContextOfTheRelease()
    {
        var pool = new PixelBufferPool(0, 1 << 20, TimeSpan.FromMinutes(5));
        var (payload, _) = InsideContext(() =>
        {
            pool.Rent(1000).Release(); // a surplus: starts the decay timer with flow suppressed
            return 0;
        });
        Assert.IsTrue(pool.IsDecaying);
        Assert.IsTrue(Leaks.CollectUntil(() => !payload.IsAlive), "the pool's decay timer does not take the releasing caller's context");
        pool.Trim();
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is not what these tests check.
        }
    }
}
