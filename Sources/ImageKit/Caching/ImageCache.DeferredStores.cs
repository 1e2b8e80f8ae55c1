using ImageKit.Caching.Internal;

namespace ImageKit.Caching;

public sealed partial class ImageCache
{
    private readonly PendingDiskStores _deferredStores = new();

    /// <summary>
    /// Registers a disk store of <paramref name="key"/>'s bytes (or of a variant made from them) that the caller will run
    /// later through <see cref="StoreDeferredAsync"/>: until it begins, <see cref="RemoveAsync"/> of the key and
    /// <see cref="ClearAsync"/> cancel it, and once it runs they wait for it, so that neither is undone by bytes loaded
    /// before it. The caller must end the registration: run it, or <see cref="PendingDiskStores.Store.End"/> it.
    /// </summary>
    internal PendingDiskStores.Store DeferDiskStore(string key) => _deferredStores.Register(key);

    /// <summary>Runs <paramref name="store"/> for a registration, unless a removal or a clear cancelled it meanwhile.</summary>
    internal static async Task StoreDeferredAsync(PendingDiskStores.Store registration, Func<Task> store)
    {
        if (!registration.TryBegin())
        {
            return;
        }

        try
        {
            await store().ConfigureAwait(false);
        }
        finally
        {
            registration.End();
        }
    }
}
