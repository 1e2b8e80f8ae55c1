using System.IO.Hashing;
using System.Runtime.CompilerServices;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A load whose disk store runs later keeps one copy of the downloaded bytes: the response body, shared by the store
/// and the decoded image. The image must stay whole after the store has landed and the load's own references are gone,
/// and nothing may keep the body once the image, the store and the caches have let go.
/// </summary>
[TestClass]
public sealed class ImageManagerSharedBodyTests
{
    private static readonly string[] Files = ["TestImage.gif", "TestImageAnimated.webp", "TestImageAnimated.apng", "TestImage.jpg", "TestImage.png"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_DeferredStoreLandedAndGarbageCollected_ImagesStillDecodeTheirOwnPixels()
    {
        await using var server = await StartServerAsync(TestContext.CancellationToken);
        using var folder = new TempFolder();
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } });
        var leases = new List<ImageLease>();
        foreach (var file in Files)
        {
            using var result = await manager.LoadImageAsync(server.Url($"/img/{file}"), cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Network, result.Source);
            leases.Add(result.Image.AcquireLease());
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        ((ImageCache)manager.Cache).Memory.Clear();
        Assert.IsTrue(Leaks.CollectUntil(() => true));
        var garbage = Enumerable.Range(0, 256).Select(_ => Filled(GC.AllocateUninitializedArray<byte>(16 * 1024, pinned: true))).ToList();

        for (var i = 0; i < Files.Length; i++)
        {
            using var expected = AnimatedImage.Decode(Corpus.Read(Files[i]));
            var image = leases[i].Image;
            Assert.AreEqual(expected.FrameCount, image.FrameCount, Files[i]);
            for (var f = 0; f < image.FrameCount; f++)
            {
                using var want = expected.GetFrame(f);
                using var got = image.GetFrame(f);
                Assert.AreEqual(XxHash64.HashToUInt64(want.Pixels), XxHash64.HashToUInt64(got.Pixels), $"{Files[i]} frame {f}");
            }

            leases[i].Dispose();
        }

        GC.KeepAlive(garbage);
    }

    [TestMethod]
    public async Task LoadImageAsync_ImageReleasedAndStoreLanded_NothingKeepsTheImage()
    {
        await using var server = await StartServerAsync(TestContext.CancellationToken);
        using var folder = new TempFolder();
        await using var manager = new ImageManager(new ImageCacheOptions
        {
            Memory = new MemoryImageCacheOptions { MaxCost = 0 },
            Disk = new DiskImageCacheOptions { Directory = folder.Path },
        });

        var images = new List<WeakReference<AnimatedImage>>();
        foreach (var file in Files)
        {
            images.Add(await LoadAndDropAsync(manager, server.Url($"/img/{file}")));
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.IsTrue(
            Leaks.CollectUntil(() => images.All(image => !image.TryGetTarget(out var target) || target.IsDisposed)),
            "the decoded images (and with them the bodies they keep) must be released once their loads and stores are done");
    }

    // Bodies of declared length, as most servers send them (the body of a deferred store is then pinned, not copied).
    private static Task<LoopbackServer> StartServerAsync(CancellationToken cancellationToken) => LoopbackServer.StartAsync(
        app => app.MapGet("/img/{file}", async (HttpContext context, string file) =>
        {
            var bytes = Corpus.Read(file);
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes);
        }),
        cancellationToken);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task<WeakReference<AnimatedImage>> LoadAndDropAsync(ImageManager manager, Uri url)
    {
        using var result = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        using (result.Image.GetFrame(0))
        {
        }

        return new WeakReference<AnimatedImage>(result.Image);
    }

    private static byte[] Filled(byte[] array)
    {
        array.AsSpan().Fill(0xA5);
        return array;
    }
}
