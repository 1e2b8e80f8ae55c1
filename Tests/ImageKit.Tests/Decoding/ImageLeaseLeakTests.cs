using System.Runtime.CompilerServices;
using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Found by the chaos run: a lease that is never disposed relies on the image becoming unreachable, but a disposed lease
/// (or a disposed player or load result) still references its image, so one leaked owner plus one disposed-but-kept owner
/// pins the image's decoder and native pixel memory for as long as the disposed holder lives.
/// </summary>
[TestClass]
public sealed class ImageLeaseLeakTests
{
    [TestMethod]
    public void Dispose_AnotherLeaseLeakedWhileThisOneIsKept_ImageIsReleasedOrCollected()
    {
        var (kept, image) = DisposedLeaseBesideALeakedOne();

        Assert.IsTrue(
            Leaks.CollectUntil(() => IsReleasedOrCollected(image)),
            "every owner let go (one disposed its lease, one dropped it): the image must be released or collected, not pinned by the disposed lease");
        GC.KeepAlive(kept);
    }

    [TestMethod]
    public void AnimatedImagePlayer_DroppedUndisposedBesideADisposedPlayerStillReferenced_ImageIsReleasedOrCollected()
    {
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider(), TimeSpan.FromMilliseconds(10));
        var (kept, image) = DisposedPlayerBesideADroppedOne(links);

        Assert.IsTrue(
            Leaks.CollectUntil(() => IsReleasedOrCollected(image)),
            "the dropped player was collected and the other one disposed: the image's native memory must not stay pinned");
        GC.KeepAlive(kept);
    }

    private static bool IsReleasedOrCollected(WeakReference<AnimatedImage> image) =>
        !image.TryGetTarget(out var target) || target.IsDisposed;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (ImageLease Kept, WeakReference<AnimatedImage> Image) DisposedLeaseBesideALeakedOne()
    {
        var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));
        using (image.GetFrame(0))
        {
        }

        var kept = image.AcquireLease();
        _ = image.AcquireLease(); // leaked: never disposed, never referenced
        image.Dispose();
        kept.Dispose();
        return (kept, new WeakReference<AnimatedImage>(image));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (AnimatedImagePlayer Kept, WeakReference<AnimatedImage> Image) DisposedPlayerBesideADroppedOne(DisplayLinkProvider links)
    {
        var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));
        var options = new AnimatedImagePlayerOptions { DisplayLinkProvider = links };
        var kept = new AnimatedImagePlayer(image, options);
        _ = new AnimatedImagePlayer(image, options); // dropped without Dispose: "collected even if never disposed"
        image.Dispose();
        kept.Dispose();
        return (kept, new WeakReference<AnimatedImage>(image));
    }
}
