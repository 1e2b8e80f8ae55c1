using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;

namespace ImageKit.Tests.TestUtilities;

/// <summary>A memory cache whose disk stores wait at a gate, then count themselves or throw; it owns the downloader too.</summary>
internal sealed class GatedDiskCache : ForwardingImageCache, IDisposable
{
    private readonly ImageCache _memory;
    private int _diskStores;

    public GatedDiskCache()
        : this(new ImageCache())
    {
    }

    private GatedDiskCache(ImageCache memory)
        : base(memory) => _memory = memory;

    public ImageDownloader Downloader { get; } = new();

    public TaskCompletionSource DiskStoreStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? Failure { get; init; }

    public int DiskStores => Volatile.Read(ref _diskStores);

    public override Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult<DiskCacheEntry?>(null);

    public override async Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        await base.StoreAsync(key, image, encodedData, metadata, cacheType & ~ImageCacheType.Disk, decodeOptions, cancellationToken);
        if (cacheType.HasFlag(ImageCacheType.Disk))
        {
            DiskStoreStarted.TrySetResult();
            await Gate.Task;
            if (Failure is not null)
            {
                throw Failure;
            }

            Interlocked.Increment(ref _diskStores);
        }
    }

    public override Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => Task.FromResult(false);

    public void Dispose()
    {
        Downloader.Dispose();
        _memory.Dispose();
    }
}
