using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Decoding;

[TestClass]
[DoNotParallelize] // reads the process-wide count of native pixel bytes
public sealed class PixelBufferPoolTests
{
    // A whole size class of its own (a multiple of its class step), so blocks are exactly this long.
    private const int Block = 1024 * 1024;

    /// <summary>Starts from a quiet process (see <see cref="Leaks.SettlePixelMemory"/>).</summary>
    [TestInitialize]
    public void SettlePixelMemory() => Leaks.SettlePixelMemory();

    [TestMethod]
    [DataRow(0)]
    [DataRow(4096)]
    [DataRow(4097)]
    [DataRow(160 * 120 * 4)]
    [DataRow(559 * 373 * 4)]
    [DataRow(4000 * 3000 * 4)]
    public void SizeClass_AnyLength_IsAtLeastTheLengthAndAtMostASixteenthMore(int length)
    {
        var capacity = PixelBufferPool.SizeClass(length);

        Assert.IsGreaterThanOrEqualTo(length, capacity);
        Assert.IsLessThanOrEqualTo(length + (length / 16) + 1, capacity);
    }

    [TestMethod]
    public void Rent_AfterABufferOfANearbyLengthWasReleased_ReusesItsBlockWithTheNewLength()
    {
        var pool = new PixelBufferPool(64L * 1024 * 1024);
        var first = pool.Rent(480 * 360 * 4);
        first.Span.Fill(7);
        first.Release();
        Assert.AreEqual(PixelBufferPool.SizeClass(480 * 360 * 4), pool.PooledBytes);

        var second = pool.Rent((480 * 360 * 4) - 1000);

        Assert.AreEqual(0, pool.PooledBytes, "the pooled block was taken");
        Assert.AreEqual((480 * 360 * 4) - 1000, second.Span.Length);
        Assert.AreEqual(7, second.Span[0], "the same memory came back (its contents are undefined, here the old ones)");
        second.Release();
        pool.Trim();
    }

    [TestMethod]
    public void Rent_LengthsInDifferentClasses_DoNotShareBlocks()
    {
        var pool = new PixelBufferPool(64L * 1024 * 1024);
        var small = pool.Rent(100_000);
        small.Release();

        var large = pool.Rent(200_000);

        Assert.AreEqual(PixelBufferPool.SizeClass(100_000), pool.PooledBytes, "the smaller block stays in the pool");
        large.Release();
        pool.Trim();
    }

    [TestMethod]
    public void Release_OfABurstBeyondTheBound_KeepsASurplusThatIsFreedAfterAnIdlePeriod()
    {
        var time = new FakeTimeProvider();
        var pool = new PixelBufferPool(Block, maxSurplusBytes: 8 * Block, TimeSpan.FromSeconds(1), time);
        var before = PixelMemory.AllocatedBytes;

        ReleaseAll(RentMany(pool, 4));

        Assert.AreEqual(4 * Block, pool.PooledBytes, "the burst is kept: one block for good, three as surplus");
        Assert.IsTrue(pool.IsDecaying);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.AreEqual(4 * Block, pool.PooledBytes, "nothing is freed before a whole period");

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.AreEqual(3 * Block, pool.PooledBytes, "what was surplus when the period began, and stayed idle, is freed");

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.AreEqual(Block, pool.PooledBytes, "blocks released during a period go at the end of the next one");
        Assert.AreEqual(before + Block, PixelMemory.AllocatedBytes, "and given back to the C heap");
        Assert.IsFalse(pool.IsDecaying, "the timer stops once no surplus is left");
        pool.Trim();
    }

    [TestMethod]
    public void Surplus_RentedAgainWithinAPeriod_IsReusedAndOnlyTheIdleRestIsFreed()
    {
        var time = new FakeTimeProvider();
        var pool = new PixelBufferPool(0, maxSurplusBytes: 8 * Block, TimeSpan.FromSeconds(1), time);
        var before = PixelMemory.AllocatedBytes;
        ReleaseAll(RentMany(pool, 4));

        var again = RentMany(pool, 3);
        Assert.AreEqual(before + (4 * Block), PixelMemory.AllocatedBytes, "the next burst reuses the surplus: nothing new allocated");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.AreEqual(0, pool.PooledBytes, "the one block nobody took back is freed");
        Assert.AreEqual(before + (3 * Block), PixelMemory.AllocatedBytes);

        ReleaseAll(again);
        Assert.IsTrue(pool.IsDecaying, "a new surplus restarts the timer");
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.AreEqual(0, pool.PooledBytes);
        Assert.AreEqual(before, PixelMemory.AllocatedBytes);
        Assert.IsFalse(pool.IsDecaying);
    }

    [TestMethod]
    public void DecayTick_WhenMemoryIsLow_FreesTheWholeSurplusButKeepsTheBound()
    {
        var time = new FakeTimeProvider();
        var low = false;
        var pool = new PixelBufferPool(Block, maxSurplusBytes: 8 * Block, TimeSpan.FromSeconds(1), time, () => low);
        ReleaseAll(RentMany(pool, 4));
        time.Advance(TimeSpan.FromSeconds(1));
        ReleaseAll(RentMany(pool, 6)); // three reused, three new: the surplus is fresh again
        Assert.AreEqual(6 * Block, pool.PooledBytes);

        low = true;
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.AreEqual(Block, pool.PooledBytes, "low memory frees every surplus block, idle for a whole period or not");
        Assert.IsFalse(pool.IsDecaying);
        pool.Trim();
    }

    [TestMethod]
    public void Release_BeyondTheSurplusCap_FreesTheBlockAtOnce()
    {
        var time = new FakeTimeProvider();
        var pool = new PixelBufferPool(Block, maxSurplusBytes: 2 * Block, TimeSpan.FromSeconds(1), time);
        var before = PixelMemory.AllocatedBytes;

        ReleaseAll(RentMany(pool, 5));

        Assert.AreEqual(3 * Block, pool.PooledBytes, "the bound plus the surplus cap");
        Assert.AreEqual(before + (3 * Block), PixelMemory.AllocatedBytes, "the rest was freed on release");
        pool.Trim();
        Assert.AreEqual(before, PixelMemory.AllocatedBytes);
    }

    [TestMethod]
    public void Trim_WithASurplus_FreesEverythingAndStopsTheTimer()
    {
        var time = new FakeTimeProvider();
        var pool = new PixelBufferPool(Block, maxSurplusBytes: 8 * Block, TimeSpan.FromSeconds(1), time);
        var before = PixelMemory.AllocatedBytes;
        ReleaseAll(RentMany(pool, 4));

        pool.Trim();

        Assert.AreEqual(0, pool.PooledBytes);
        Assert.AreEqual(before, PixelMemory.AllocatedBytes);
        Assert.IsFalse(pool.IsDecaying);
    }

    [TestMethod]
    public async Task RentAndRelease_FromManyThreadsWhileDecayingAndTrimming_FreesEveryBlockExactlyOnce()
    {
        var time = new FakeTimeProvider();
        var pool = new PixelBufferPool(4 * Block, maxSurplusBytes: 16 * Block, TimeSpan.FromSeconds(1), time);
        var before = PixelMemory.AllocatedBytes;
        using var stop = new CancellationTokenSource();

        // Ticks and trims race the renters the whole time.
        var disturber = Task.Run(() =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                time.Advance(TimeSpan.FromMilliseconds(500));
                if (++i % 7 == 0)
                {
                    pool.Trim();
                }

                Thread.Yield();
            }
        });
        var renters = Enumerable.Range(0, 8).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            var held = new List<PixelBuffer>();
            for (var i = 0; i < 3_000; i++)
            {
                var buffer = pool.Rent(random.Next(64 * 1024, 3 * Block));
                buffer.Span[0] = (byte)i;
                buffer.Span[^1] = (byte)i;
                held.Add(buffer);
                if (held.Count > 4 || random.Next(3) == 0)
                {
                    var index = random.Next(held.Count);
                    held[index].Release();
                    held.RemoveAt(index);
                }
            }

            ReleaseAll([.. held]);
        })).ToArray();

        await Task.WhenAll(renters);
        await stop.CancelAsync();
        await disturber;
        pool.Trim();

        Assert.AreEqual(0, pool.PooledBytes);
        Assert.AreEqual(before, PixelMemory.AllocatedBytes, "every block allocated was freed once: no leak, no double free");
    }

    // A burst of small blocks released, then playback that keeps one frame on screen and one in the pool (rent the pooled
    // one, release the one shown): the small blocks sit idle from the start, the frame block is reused every frame. Decay
    // must free the idle blocks, not whichever class it meets first: freeing the frame block each period (a fresh
    // allocation for the next frame) while the idle blocks stayed kept the pool above its bound for as long as playback ran.
    [TestMethod]
    [DataRow(3_000)]
    [DataRow(Block / 4)] // met before the frame's class when the pool walks its classes
    [DataRow(Block / 2)]
    [DataRow(2 * Block)]
    public void Decay_WhileAnotherClassIsReusedEveryFrame_FreesTheBlocksThatSatIdleAndKeepsTheOneInUse(int idleLength)
    {
        var time = new FakeTimeProvider();
        var pool = new PixelBufferPool(0, maxSurplusBytes: 64 * Block, TimeSpan.FromSeconds(1), time);
        ReleaseAll([.. Enumerable.Range(0, 3).Select(_ => pool.Rent(idleLength))]);
        var shown = pool.Rent(Block);
        pool.Rent(Block).Release(); // the second frame buffer, pooled between frames

        for (var period = 0; period < 4; period++)
        {
            for (var frame = 0; frame < 3; frame++)
            {
                var next = pool.Rent(Block);
                shown.Release();
                shown = next;
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.AreEqual(Block, pool.PooledBytes, "only the frame buffer reused every frame is left in the pool");
        shown.Release();
        pool.Trim();
    }

    private static PixelBuffer[] RentMany(PixelBufferPool pool, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => pool.Rent(Block))];

    private static void ReleaseAll(PixelBuffer[] buffers)
    {
        foreach (var buffer in buffers)
        {
            buffer.Release();
        }
    }
}
