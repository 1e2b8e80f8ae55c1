using ImageKit.Caching;
using ImageKit.Decoding;

namespace ImageKit.Tests.TestUtilities;

/// <summary>A cache whose stores wait for the test, whatever their token says; everything else goes to <c>inner</c>.</summary>
internal sealed class BlockingStoreCache(ImageCache inner) : IImageCache
{
    public TaskCompletionSource StoreEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource StoreCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public volatile bool StoreEnded;

    private int _containsCalls;

    public Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        inner.QueryAsync(key, cacheType, decodeOptions, cancellationToken);

    public Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => inner.GetEncodedAsync(key, cancellationToken);

    public async Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.Register(() => StoreCancelled.TrySetResult());
        StoreEntered.TrySetResult();
        await Release.Task.ConfigureAwait(false);
        StoreEnded = true;
    }

    public Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => inner.UpdateMetadataAsync(key, metadata, cancellationToken);

    public Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        inner.RemoveAsync(key, cacheType, decodeOptions, cancellationToken);

    public int ContainsCalls => Volatile.Read(ref _containsCalls);

    public Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _containsCalls);
        return inner.ContainsAsync(key, cacheType, decodeOptions, cancellationToken);
    }

    public Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) => inner.ClearAsync(cacheType, cancellationToken);
}
