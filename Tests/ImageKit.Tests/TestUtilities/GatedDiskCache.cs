using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;

namespace ImageKit.Tests.TestUtilities;

/// <summary>A memory cache whose disk stores wait at a gate, then count themselves or throw; it owns the downloader too.</summary>
internal sealed class GatedDiskCache : IImageCache, IDisposable
{
    private readonly ImageCache _memory = new();
    private int _diskStores;

    public ImageDownloader Downloader { get; } = new();

    public TaskCompletionSource DiskStoreStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? Failure { get; init; }

    public int DiskStores => Volatile.Read(ref _diskStores);

    public Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        _memory.QueryAsync(key, cacheType, decodeOptions, cancellationToken);

    public Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult<DiskCacheEntry?>(null);

    public async Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        await _memory.StoreAsync(key, image, encodedData, metadata, cacheType & ~ImageCacheType.Disk, decodeOptions, cancellationToken);
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

    public Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => Task.FromResult(false);

    public Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        _memory.RemoveAsync(key, cacheType, decodeOptions, cancellationToken);

    public Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        _memory.ContainsAsync(key, cacheType, decodeOptions, cancellationToken);

    public Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) =>
        _memory.ClearAsync(cacheType, cancellationToken);

    public void Dispose()
    {
        Downloader.Dispose();
        _memory.Dispose();
    }
}
