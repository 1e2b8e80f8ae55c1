using System.Runtime.CompilerServices;
using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// The reason ImageKit exists: players must not leak. Disposed players release everything at once; players nobody
/// references are collected without being disposed, their link subscription ends and the link stops.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PlayerLifetimeTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task CreatePlayDispose_TenThousandCycles_LeavesNothingBehind()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        var budget = new FrameBudget(256L * 1024 * 1024);
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));
        var options = new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget };

        await RunCyclesAsync(image, options, time, 500); // warm up pools and JIT
        var pins = NativeResourceCounters.LivePins;
        var codecs = NativeResourceCounters.LiveCodecs;
        var threads = ThreadCounter.Count();
        var imageKitThreads = ThreadCounter.Count("ImageKit");
        var managedBefore = ManagedBytesAfterGc();

        await RunCyclesAsync(image, options, time, 10_000);

        var managedAfter = ManagedBytesAfterGc();
        Assert.AreEqual(0, budget.UsedBytes, "every buffer returned its budget");
        Assert.AreEqual(0, links.GetDisplayLink().SubscriberCount);
        Assert.IsFalse(links.GetDisplayLink().IsRunning);
        Assert.AreEqual(pins, NativeResourceCounters.LivePins);
        Assert.AreEqual(codecs, NativeResourceCounters.LiveCodecs);
        Assert.IsLessThanOrEqualTo(imageKitThreads, ThreadCounter.Count("ImageKit"), "no ImageKit thread is left by the players");

        // Decoding runs on the thread pool, which may keep a few idle workers; none is tied to a player.
        Assert.IsLessThanOrEqualTo(threads + 8, ThreadCounter.Count(), "no thread is left per player");
        Assert.IsLessThan(8L * 1024 * 1024, managedAfter - managedBefore, "managed memory after GC is stable");
        TestContext.WriteLine($"managed after GC: {managedBefore / 1024} KiB -> {managedAfter / 1024} KiB; threads {threads} -> {ThreadCounter.Count()}");
    }

    [TestMethod]
    public void Players_DroppedWithoutDispose_AreCollectedAndTheLinkStops()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        var budget = new FrameBudget(256L * 1024 * 1024);
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));

        var weak = StartAndDrop(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget }, time, 1_000);
        Assert.AreEqual(1_000, links.GetDisplayLink().SubscriberCount);
        time.Advance(s_period); // the players tick once, with frames in their buffers and decodes in flight

        // A worker may still be finishing a decode for a dropped player; its buffer is finalized once that is done.
        for (var attempt = 0; attempt < 50 && (weak.Any(w => w.IsAlive) || budget.UsedBytes != 0); attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Thread.Sleep(20);
        }

        Assert.AreEqual(0, weak.Count(w => w.IsAlive), "players nobody references are collected");
        time.Advance(s_period);
        Assert.AreEqual(0, links.GetDisplayLink().SubscriberCount, "their subscriptions ended");
        Assert.IsFalse(links.GetDisplayLink().IsRunning, "and the shared link stopped");
        Assert.AreEqual(0, budget.UsedBytes, "their budget came back through finalization");
    }

    private static async Task RunCyclesAsync(AnimatedImage image, AnimatedImagePlayerOptions options, FakeTimeProvider time, int cycles)
    {
        for (var i = 0; i < cycles; i++)
        {
            var player = new AnimatedImagePlayer(image, options);
            player.Play();
            time.Advance(s_period);
            if (i % 2 == 0)
            {
                player.Dispose();
            }
            else
            {
                await player.DisposeAsync();
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] StartAndDrop(AnimatedImage image, AnimatedImagePlayerOptions options, FakeTimeProvider time, int count)
    {
        var weak = new WeakReference[count];
        for (var i = 0; i < count; i++)
        {
            var player = new AnimatedImagePlayer(image, options);
            player.Play();
            weak[i] = new WeakReference(player);
        }

        return weak;
    }

    private static long ManagedBytesAfterGc()
    {
        PixelBufferPool.Shared.Trim();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
