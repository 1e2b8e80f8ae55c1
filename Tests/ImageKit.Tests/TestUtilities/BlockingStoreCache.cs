using ImageKit.Caching;
using ImageKit.Decoding;

namespace ImageKit.Tests.TestUtilities;

/// <summary>A cache whose stores wait for the test, whatever their token says; everything else goes to <c>inner</c>.</summary>
internal sealed class BlockingStoreCache(ImageCache inner) : ForwardingImageCache(inner)
{
    public TaskCompletionSource StoreEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource StoreCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public volatile bool StoreEnded;

    private int _containsCalls;

    public override async Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.Register(() => StoreCancelled.TrySetResult());
        StoreEntered.TrySetResult();
        await Release.Task.ConfigureAwait(false);
        StoreEnded = true;
    }

    public int ContainsCalls => Volatile.Read(ref _containsCalls);

    public override Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _containsCalls);
        return base.ContainsAsync(key, cacheType, decodeOptions, cancellationToken);
    }
}
