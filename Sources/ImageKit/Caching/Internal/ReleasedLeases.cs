using ImageKit.Decoding;

namespace ImageKit.Caching.Internal;

/// <summary>
/// Leases a <see cref="MemoryImageCache"/> gives up under its lock and disposes after leaving it. The common case (a store
/// that evicts one image) needs no list, so a steady stream of stores allocates nothing here.
/// </summary>
internal struct ReleasedLeases
{
    private ImageLease? _first;
    private List<ImageLease>? _more;

    public void Add(ImageLease lease)
    {
        if (_first is null)
        {
            _first = lease;
        }
        else
        {
            (_more ??= []).Add(lease);
        }
    }

    /// <summary>Disposes every lease added; the last release of an image disposes its codecs, which is not O(1).</summary>
    public readonly void Release()
    {
        _first?.Dispose();
        if (_more is not null)
        {
            foreach (var lease in _more)
            {
                lease.Dispose();
            }
        }
    }
}
