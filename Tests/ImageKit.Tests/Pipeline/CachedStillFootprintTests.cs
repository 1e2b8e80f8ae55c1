using System.Globalization;
using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Decoding.Internal;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using SkiaSharp;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// The managed objects a decoded still keeps alive while the memory cache holds it, as a load through the manager leaves
/// it (its first frame drawn, as a view does). The cache keeps every image it loads, so each gen-0 collection copies the
/// objects of the stills loaded since the one before (~7 µs per KiB promoted in docs/benchmarks.md): a still should keep
/// no more of them than it needs. Runs alone: it measures the whole GC heap.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class CachedStillFootprintTests
{
    private const int Images = 2_000;
    private const int WarmUp = 50;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(SKEncodedImageFormat.Png)]
    [DataRow(SKEncodedImageFormat.Jpeg)]
    [DataRow(SKEncodedImageFormat.Webp)]
    public async Task CachedStill_KeepsFewManagedObjects(SKEncodedImageFormat format)
    {
        await using var manager = NewMemoryOnlyManager(Encode(format));
        for (var i = 0; i < WarmUp; i++)
        {
            await LoadFirstFrameAsync(manager, "warm", i);
        }

        var before = ManagedHeapBytes();
        for (var i = 0; i < Images; i++)
        {
            await LoadFirstFrameAsync(manager, "still", i);
        }

        var perImage = (ManagedHeapBytes() - before) / Images;
        var memory = ((ImageCache)manager.Cache).Memory;
        Assert.AreEqual(WarmUp + Images, memory.Count, "every still is held");

        var (objects, bytes, types) = OwnObjects(memory, Key("still", 7), Key("still", 8));
        var text = $"{format}: {perImage:N0} B of GC heap per cached still; {objects} objects of its own, {bytes:N0} B: {types}";
        TestContext.WriteLine(text);
        Assert.IsLessThan(1_000, perImage, text);
        Assert.IsLessThanOrEqualTo(14, objects, text);
    }

    // The objects reached from the cache's entry for `key` and not from its entry for `other`: what one more cached still
    // adds (shared options, pools and the manager are reached from both).
    private static (int Objects, long Bytes, string Types) OwnObjects(MemoryImageCache memory, string key, string other)
    {
        var entries = (LruIndex)typeof(MemoryImageCache).GetField("_entries", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(memory)!;
        var node = entries.Find(key) ?? throw new InvalidOperationException($"{key} is not held");
        var otherNode = entries.Find(other) ?? throw new InvalidOperationException($"{other} is not held");
        // The pixel pool is shared by every image (and leads to the threads that use it): not entered.
        var shared = ObjectGraph.Walk(otherNode, stopAt: o => o is PixelBufferPool || (o is LruNode n && n != otherNode)).Objects.ToHashSet(ReferenceEqualityComparer.Instance);
        var own = ObjectGraph.Walk(node, stopAt: o => o is PixelBufferPool || (o is LruNode n && n != node) || shared.Contains(o)).Objects;
        var types = string.Join(", ", own
            .GroupBy(static o => o.GetType().Name)
            .OrderByDescending(static g => g.Sum(ObjectGraph.SizeOf))
            .Select(static g => $"{g.Key}{(g.Count() > 1 ? $" ×{g.Count()}" : "")} {g.Sum(ObjectGraph.SizeOf)}"));
        return (own.Count, own.Sum(ObjectGraph.SizeOf), types);
    }

    private async Task LoadFirstFrameAsync(ImageManager manager, string folder, int i)
    {
        using var result = await manager.LoadImageAsync(new Uri(Key(folder, i)), cancellationToken: TestContext.CancellationToken);
        result.Image.GetFrame(0).Dispose(); // the image keeps its composited frame, as one a view drew does
    }

    private static string Key(string folder, int i) => string.Create(CultureInfo.InvariantCulture, $"asset://{folder}/{i}");

    private static long ManagedHeapBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static ImageManager NewMemoryOnlyManager(byte[] data)
    {
        var manager = new ImageManager(
            new ImageCacheOptions { Memory = new MemoryImageCacheOptions { MaxCost = long.MaxValue / 4, TrimOnMemoryPressure = false } },
            ImageManagerTests.s_fastDownloads);
        manager.Loaders.Insert(0, new FromMemory(data));
        return manager;
    }

    private static byte[] Encode(SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(24, 16);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.CornflowerBlue);
        using var paint = new SKPaint { Color = SKColors.Orange, IsAntialias = true };
        canvas.DrawCircle(12, 8, 6, paint);
        using var encoded = bitmap.Encode(format, 80);
        return encoded.ToArray();
    }

    private sealed class FromMemory(byte[] data) : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ImageLoaderResponse(request.Url, data));
    }
}
