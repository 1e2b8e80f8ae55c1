namespace ImageKit.Caching.Internal;

/// <summary>
/// The shares of ownership (held by their nodes) a <see cref="MemoryImageCache"/> gives up under its lock and releases
/// after leaving it. The common case (a store that evicts one image) needs no list, so a steady stream of stores allocates
/// nothing here.
/// </summary>
internal struct ReleasedShares
{
    private LruNode? _first;
    private List<LruNode>? _more;

    public void Add(LruNode node)
    {
        if (_first is null)
        {
            _first = node;
        }
        else
        {
            (_more ??= []).Add(node);
        }
    }

    /// <summary>Releases every share added; the last release of an image disposes its codecs, which is not O(1).</summary>
    public readonly void Release()
    {
        _first?.ReleaseShare();
        if (_more is not null)
        {
            foreach (var node in _more)
            {
                node.ReleaseShare();
            }
        }
    }
}
