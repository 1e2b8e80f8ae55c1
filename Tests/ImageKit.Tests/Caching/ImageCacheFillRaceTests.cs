using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A disk hit fills the memory tier once it has decoded the bytes it read. A store, removal or clear of the key that
/// lands while it decodes is newer than those bytes: the fill must not undo it (put the old image back over the new one,
/// or back into a tier just emptied).
/// </summary>
[TestClass]
public sealed class ImageCacheFillRaceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private string _dir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("imagekit-fillrace-").FullName;

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public async Task QueryAsync_DiskHitDecodingWhileANewerImageIsStored_DoesNotReplaceTheNewerImageInMemory()
    {
        var decoder = new GatedDecoder();
        await using var cache = NewCache(decoder);
        var query = await StartBlockedDiskHitAsync(cache, decoder, null);

        var (fresh, _) = CountingSource.Create(frameCount: 1);
        await cache.StoreAsync("k", fresh, new byte[] { 4, 5, 6 }, cancellationToken: TestContext.CancellationToken);
        fresh.Dispose();
        decoder.Gate.Set();
        using (var old = await query.WaitAsync(Timeout, TestContext.CancellationToken))
        {
            Assert.IsNotNull(old, "the query read the old bytes: it answers with their image");
            Assert.AreNotSame(fresh, old.Image);
        }

        using var hit = await cache.QueryAsync("k", ImageCacheType.Memory, cancellationToken: TestContext.CancellationToken);
        Assert.IsNotNull(hit);
        Assert.AreSame(fresh, hit.Image, "the image stored last is the one in memory, not the one decoded from older bytes");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task QueryAsync_DiskHitDecodingWhileNewerBytesAreStoredOnDiskOnly_DoesNotPutTheOldImageInMemory(bool variant)
    {
        // A disk-only store (or one without an image) leaves the memory tier alone, but its bytes are newer than the ones
        // the disk hit read: the image decoded from those must not land in memory, where it would hide the new bytes.
        var decoder = new GatedDecoder();
        await using var cache = NewCache(decoder);
        var decodeOptions = variant ? ImageDecodeOptions.Default with { GifLoopCount = GifLoopCountSemantics.ImageIO } : null;
        var query = await StartBlockedDiskHitAsync(cache, decoder, decodeOptions);

        await cache.StoreAsync("k", image: null, new byte[] { 4, 5, 6 }, cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);
        decoder.Gate.Set();
        using (var old = await query.WaitAsync(Timeout, TestContext.CancellationToken))
        {
            Assert.IsNotNull(old, "the query read the old bytes: it answers with their image");
        }

        using var hit = await cache.QueryAsync("k", ImageCacheType.Memory, decodeOptions, TestContext.CancellationToken);
        Assert.IsNull(hit, "the image decoded from bytes a newer store replaced is not in memory");
        var entry = await cache.GetEncodedAsync("k", TestContext.CancellationToken);
        CollectionAssert.AreEqual(new byte[] { 4, 5, 6 }, entry!.Data.ToArray(), "the disk holds the new bytes");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task QueryAsync_DiskHitDecodingWhileTheKeyIsRemovedOrCleared_DoesNotPutItBackInMemory(bool clear)
    {
        var decoder = new GatedDecoder();
        await using var cache = NewCache(decoder);
        var query = await StartBlockedDiskHitAsync(cache, decoder, null);

        if (clear)
        {
            await cache.ClearAsync(cancellationToken: TestContext.CancellationToken);
        }
        else
        {
            Assert.IsTrue(await cache.RemoveAsync("k", cancellationToken: TestContext.CancellationToken));
        }

        decoder.Gate.Set();
        using (var old = await query.WaitAsync(Timeout, TestContext.CancellationToken))
        {
            Assert.IsNotNull(old, "the query read the bytes before they were removed");
            Assert.IsFalse(old.Image.IsDisposed, "and its image is usable");
        }

        Assert.AreEqual(ImageCacheType.None, await cache.ContainsAsync("k", cancellationToken: TestContext.CancellationToken), "the removal is not undone");
        Assert.AreEqual(0, cache.Memory.Statistics.TotalCost);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task QueryAsync_DiskHitUndecodableWhileNewerBytesAreStored_KeepsTheNewerBytes(bool withImage)
    {
        // Bytes that no longer decode are dropped from the disk; but bytes stored while they were decoding are others,
        // which the query never read: they stay.
        var decoder = new GatedDecoder();
        await using var cache = NewCache(decoder);
        var query = await StartBlockedDiskHitAsync(cache, decoder, null, failDecode: true);

        var (fresh, _) = CountingSource.Create(frameCount: 1);
        await cache.StoreAsync("k", withImage ? fresh : null, new byte[] { 4, 5, 6 }, cancellationToken: TestContext.CancellationToken);
        fresh.Dispose();
        decoder.Gate.Set();
        Assert.IsNull(await query.WaitAsync(Timeout, TestContext.CancellationToken), "the bytes the query read do not decode: a miss");

        var entry = await cache.GetEncodedAsync("k", TestContext.CancellationToken);
        Assert.IsNotNull(entry, "the bytes stored while the old ones were decoding are kept");
        CollectionAssert.AreEqual(new byte[] { 4, 5, 6 }, entry.Data);
    }

    [TestMethod]
    public async Task QueryAsync_DiskHitUndecodable_RemovesTheBytes()
    {
        var decoder = new GatedDecoder { Fail = true };
        await using var cache = NewCache(decoder);
        await cache.StoreAsync("k", image: null, new byte[] { 1, 2, 3 }, cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);

        Assert.IsNull(await cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(ImageCacheType.None, await cache.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task QueryAsync_DiskHitWithNothingRacingIt_StillFillsMemory()
    {
        var decoder = new GatedDecoder();
        await using var cache = NewCache(decoder);
        await cache.StoreAsync("k", image: null, new byte[] { 1, 2, 3 }, cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);
        await cache.StoreAsync("other", image: null, new byte[] { 7 }, cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);

        using (var first = await cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageCacheType.Disk, first!.Source);
        }

        using var hit = await cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.Memory, hit!.Source);
    }

    // Found by the pipeline benchmark: a fill counted as a store, so with stamps shared by keys, the fills of concurrent
    // disk hits of other keys made some of them skip their own, and a later query missed memory again.
    [TestMethod]
    public async Task QueryAsync_ManyDiskHitsAtOnce_EveryOneFillsMemory()
    {
        const int Keys = 400;
        var bytes = Corpus.Read("TestImage.gif");
        await using var cache = new ImageCache(new ImageCacheOptions
        {
            Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
            Disk = new DiskImageCacheOptions { Directory = _dir },
        });
        for (var i = 0; i < Keys; i++)
        {
            await cache.StoreAsync($"k{i}", image: null, bytes, cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);
        }

        await Parallel.ForEachAsync(
            Enumerable.Range(0, Keys),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.CancellationToken },
            async (i, ct) =>
            {
                using var hit = await cache.QueryAsync($"k{i}", cancellationToken: ct);
                Assert.AreEqual(ImageCacheType.Disk, hit?.Source);
            });

        var notFilled = new List<int>();
        for (var i = 0; i < Keys; i++)
        {
            if (!(await cache.ContainsAsync($"k{i}", ImageCacheType.Memory, cancellationToken: TestContext.CancellationToken)).HasFlag(ImageCacheType.Memory))
            {
                notFilled.Add(i);
            }
        }

        Assert.IsEmpty(notFilled, $"disk hits that left nothing in memory: {string.Join(", ", notFilled)}");
    }

    // Stores bytes { 1, 2, 3 } as "k" on disk, then starts a query of "k" (with decodeOptions) whose disk hit is held
    // inside decoder until its gate is set (and then fails, with failDecode); returns the query once it is decoding.
    private async Task<Task<ImageCacheResult?>> StartBlockedDiskHitAsync(ImageCache cache, GatedDecoder decoder, ImageDecodeOptions? decodeOptions, bool failDecode = false)
    {
        await cache.StoreAsync("k", image: null, new byte[] { 1, 2, 3 }, cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);
        decoder.Block = true;
        decoder.Fail = failDecode;
        var query = Task.Run(() => cache.QueryAsync("k", decodeOptions: decodeOptions, cancellationToken: TestContext.CancellationToken), TestContext.CancellationToken);
        Assert.IsTrue(decoder.Entered.Wait(Timeout), "the disk hit is decoding");
        return query;
    }

    private ImageCache NewCache(GatedDecoder decoder) => new(new ImageCacheOptions
    {
        Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
        Disk = new DiskImageCacheOptions { Directory = _dir },
        Decoders = new ImageDecoderRegistry([decoder]),
    });

    // Decodes any bytes into a one-frame still (or with Fail, none); once Block is set, the next decode waits for Gate.
    private sealed class GatedDecoder : IImageDecoder
    {
        public volatile bool Block;

        public volatile bool Fail;

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Gate { get; } = new();

        public bool CanDecode(ImageFormat format, ReadOnlySpan<byte> data) => true;

        public AnimatedImageSource CreateSource(ReadOnlyMemory<byte> data, ImageDecodeOptions options)
        {
            if (Block)
            {
                Entered.Set();
                Gate.Wait(Timeout);
            }

            return Fail ? throw new ImageDecodingException("undecodable") : new CountingSource(frameCount: 1);
        }
    }
}
