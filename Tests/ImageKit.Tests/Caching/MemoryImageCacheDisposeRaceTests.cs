using System.Runtime.CompilerServices;
using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A disposed <see cref="MemoryImageCache"/> keeps no image alive, also when a lock-free hit was being recorded as the
/// disposal drained the hit buffers (the hit's late write leaves the cache's node in a slot no drain will visit again).
/// </summary>
[TestClass]
public sealed class MemoryImageCacheDisposeRaceTests
{
    [TestMethod]
    public void Dispose_AfterHits_KeepsNoImageAlive()
    {
        var cache = NewCache();
        var image = StoreAndHit(cache, disposeDuringTheHit: false);
        cache.Dispose();

        Collect();
        Assert.IsFalse(image.TryGetTarget(out _), "a disposed cache holds no image");
        GC.KeepAlive(cache);
    }

    [TestMethod]
    public void Dispose_WhileAHitIsBeingRecorded_TheHitBufferKeepsNoImageAlive()
    {
        var cache = NewCache();
        var image = StoreAndHit(cache, disposeDuringTheHit: true);

        Collect();
        Assert.IsFalse(image.TryGetTarget(out _), "the hit recorded after the disposal's drain keeps the image alive with the cache");
        GC.KeepAlive(cache);
    }

    private static MemoryImageCache NewCache() => new(new MemoryImageCacheOptions { TrimOnMemoryPressure = false });

    // In a method of its own, so that no local of the test keeps the image: the cache's share is its only owner after it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<AnimatedImage> StoreAndHit(MemoryImageCache cache, bool disposeDuringTheHit)
    {
        var image = TestAnimation.Image(1);
        cache.Set("k", image);
        image.Dispose();
        var fired = false;
        if (disposeDuringTheHit)
        {
            HitBuffer.BeforeWritingHitForTests = () =>
            {
                HitBuffer.BeforeWritingHitForTests = null;
                fired = true;
                cache.Dispose(); // drains the buffers past the slot this hit has claimed and not yet written
            };
        }

        try
        {
            Assert.IsTrue(cache.TryGet("k", out var lease), "the hit began before the disposal");
            lease.Dispose();
        }
        finally
        {
            HitBuffer.BeforeWritingHitForTests = null;
        }

        if (disposeDuringTheHit && !fired)
        {
            Assert.Inconclusive("the hit buffer's test hook is compiled in Debug builds only");
        }

        return new WeakReference<AnimatedImage>(image);
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
