using System.Globalization;
using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Loading;

namespace ImageKit.Benchmarks;

internal static partial class PipelineLoad
{
    public static async Task ExperimentAsync(TextWriter output, int repetitions)
    {
        var culture = CultureInfo.InvariantCulture;
        var images = PipelineImages.Create();
        await using var server = await StartServerAsync(images);
        var urls = Enumerable.Range(0, images.Length).Select(i => new Uri(BaseAddressOf(server), string.Create(culture, $"/img/{i}"))).ToArray();
        var root = Path.Combine(Path.GetTempPath(), "imagekit-bench", string.Create(culture, $"pipeline-exp-{Environment.ProcessId}"));
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        await NaiveAsync(urls, firstFrame: true);
        if (Environment.GetEnvironmentVariable("EXP_VARIANTS") is null)
        {
            await ImageKitRoundAsync(urls, Path.Combine(root, "warm-up"), firstFrame: true);
        }
        else
        {
            await ColdAsync(urls, new ImageCacheOptions(), noopDisk: false, firstFrame: true);
        }
        var samples = new Dictionary<string, List<Measurement>>(StringComparer.Ordinal);
        var n = 0;
        for (var rep = 0; rep < repetitions; rep++)
        {
            foreach (var firstFrame in rep % 2 == 0 ? [false, true] : (bool[])[true, false])
            {
                var suffix = firstFrame ? ", first frame" : ", open";
                var variants = new (string Name, Func<Task<Measurement>> Run)[]
                {
                    ("naive HttpClient + SKCodec", async () =>
                    {
                        var f0 = StoreProfile.MinorFaults();
                        var (u0, s0) = StoreProfile.Ticks();
                        var g0 = GC.CollectionCount(2);
                        var m = await NaiveAsync(urls, firstFrame);
                        var (u1, s1) = StoreProfile.Ticks();
                        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"CPU naive ff={firstFrame}: user {(u1 - u0) * 10_000.0 / urls.Length:N0} sys {(s1 - s0) * 10_000.0 / urls.Length:N0} µs/img; minor faults/img {(StoreProfile.MinorFaults() - f0) / (double)urls.Length:N0}, gen2 GCs {GC.CollectionCount(2) - g0}"));
                        return m;
                    }),
                    ("cold memory-only", () => ColdAsync(urls, new ImageCacheOptions { Memory = new MemoryImageCacheOptions { MaxCost = 4L << 30 } }, noopDisk: false, firstFrame)),
                    ("cold disk, no-op store", () => ColdAsync(urls, CacheOptions(Path.Combine(root, string.Create(culture, $"x{n++}"))), noopDisk: true, firstFrame)),
                    ("cold owned manager", async () =>
                    {
                        var manager = new ImageManager(CacheOptions(Path.Combine(root, string.Create(culture, $"x{n++}"))));
                        try
                        {
                            return await TimeAsync(urls, (url, token) => LoadAsync(manager, url, firstFrame, ImageLoadSource.Network, token));
                        }
                        finally
                        {
                            await manager.DisposeAsync();
                        }
                    }),
                    ("cold disk (HEAD)", () => ColdAsync(urls, CacheOptions(Path.Combine(root, string.Create(culture, $"x{n++}"))), noopDisk: false, firstFrame)),
                    ("cold disk, files only (no index)", () => ColdAsync(urls, CacheOptions(Path.Combine(root, string.Create(culture, $"x{n++}"))), noopDisk: true, firstFrame, StoreMode.FilesOnly)),
                    ("cold disk, index only (no files)", () => ColdAsync(urls, CacheOptions(Path.Combine(root, string.Create(culture, $"x{n++}"))), noopDisk: true, firstFrame, StoreMode.IndexOnly)),
                    ("cold disk, files (inline 0)", () => ColdAsync(urls, InlineOptions(Path.Combine(root, string.Create(culture, $"x{n++}")), 0), noopDisk: false, firstFrame)),
                    ("cold disk, inline 16K", () => ColdAsync(urls, InlineOptions(Path.Combine(root, string.Create(culture, $"x{n++}")), 16 << 10), noopDisk: false, firstFrame)),
                    ("cold disk, inline 128K", () => ColdAsync(urls, InlineOptions(Path.Combine(root, string.Create(culture, $"x{n++}")), 128 << 10), noopDisk: false, firstFrame)),
                    ("cold disk no flush", () => ColdAsync(urls, new ImageCacheOptions { Memory = new MemoryImageCacheOptions { MaxCost = 4L << 30 }, Disk = new DiskImageCacheOptions { Directory = Path.Combine(root, string.Create(culture, $"x{n++}")), FlushWrites = false } }, noopDisk: false, firstFrame)),
                };
                var only = Environment.GetEnvironmentVariable("EXP_VARIANTS");
                if (only is not null)
                {
                    // Names contain commas: a list with '|' splits on '|' only.
                    var names = only.Split(only.Contains('|', StringComparison.Ordinal) ? '|' : ',');
                    variants = [.. variants.Where(v => v.Name.StartsWith("naive", StringComparison.Ordinal) || names.Contains(v.Name))];
                }

                var order = rep % 2 == 0 ? variants : [.. variants.Reverse()];
                foreach (var (name, run) in order)
                {
                    Add(samples, name + suffix, await run());
                }
            }

            output.WriteLine(string.Create(culture, $"repetition {rep + 1}/{repetitions} done"));
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        WriteTable(output, samples, repetitions);
    }

    private static ImageCacheOptions InlineOptions(string directory, int maxInlineBytes)
    {
        var options = CacheOptions(directory);
        options.Disk!.MaxInlineBytes = maxInlineBytes;
        return options;
    }

    private static async Task<Measurement> ColdAsync(Uri[] urls, ImageCacheOptions options, bool noopDisk, bool firstFrame, StoreMode mode = StoreMode.None)
    {
        var cache = new ImageCache(options);
        using var downloader = new ImageDownloader();
        var manager = new ImageManager(noopDisk ? new NoDiskStore(cache, mode, options.Disk?.Directory) : cache, downloader);
        Measurement m;
        var (u0, s0) = StoreProfile.Ticks();
        var f0 = StoreProfile.MinorFaults();
        var g0 = GC.CollectionCount(2);
        try
        {
            m = await TimeAsync(urls, (url, token) => LoadAsync(manager, url, firstFrame, ImageLoadSource.Network, token)).ConfigureAwait(false);
        }
        finally
        {
            var (u1, s1) = StoreProfile.Ticks();
            var faults = (StoreProfile.MinorFaults() - f0) / (double)urls.Length;
            var gen2 = GC.CollectionCount(2) - g0;
            await manager.DisposeAsync().ConfigureAwait(false);
            await cache.DisposeAsync().ConfigureAwait(false);
            var (u2, s2) = StoreProfile.Ticks();
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"CPU {mode} noop={noopDisk} flush={options.Disk?.FlushWrites} disk={options.Disk is not null} ff={firstFrame}: to last result user {(u1 - u0) * 10_000.0 / urls.Length:N0} sys {(s1 - s0) * 10_000.0 / urls.Length:N0} µs/img; drain after user {(u2 - u1) * 10_000.0 / urls.Length:N0} sys {(s2 - s1) * 10_000.0 / urls.Length:N0}; minor faults/img {faults:N0}, gen2 GCs {gen2}"));
        }

        return m;
    }

    internal enum StoreMode { None, FilesOnly, IndexOnly }

    private sealed class NoDiskStore(ImageCache inner, StoreMode mode, string? dir) : IImageCache
    {
        private readonly BlobStore _blobs = new(dir ?? "/nonexistent");
        private readonly IndexDatabase? _index = mode == StoreMode.IndexOnly ? new IndexDatabase(Directory.CreateDirectory(dir! + "-idx").FullName) : null;

        public Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => inner.QueryAsync(key, cacheType, decodeOptions, cancellationToken);

        public Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => inner.GetEncodedAsync(key, cancellationToken);

        public async Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
        {
            await inner.StoreAsync(key, image, encodedData, metadata, cacheType & ~ImageCacheType.Disk, decodeOptions, cancellationToken);
            if (!cacheType.HasFlag(ImageCacheType.Disk))
            {
                return;
            }

            var hash = KeyHash.Of(key);
            var sum = BlobStore.Checksum(encodedData.Span);
            if (mode == StoreMode.FilesOnly)
            {
                var t = await _blobs.WriteTempAsync(encodedData, true, default);
                _blobs.MoveIntoPlace(t, hash);
            }
            else if (mode == StoreMode.IndexOnly)
            {
                _index!.Write(c => { c.Upsert(hash.Bytes, encodedData.Length, sum, 1, metadata ?? DiskCacheMetadata.Empty); return 0; });
            }
        }

        public Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => inner.UpdateMetadataAsync(key, metadata, cancellationToken);

        public Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => inner.RemoveAsync(key, cacheType, decodeOptions, cancellationToken);

        public Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => inner.ContainsAsync(key, cacheType, decodeOptions, cancellationToken);

        public Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) => inner.ClearAsync(cacheType, cancellationToken);
    }
}
