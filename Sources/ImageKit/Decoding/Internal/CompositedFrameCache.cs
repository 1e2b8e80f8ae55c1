namespace ImageKit.Decoding.Internal;

/// <summary>
/// The few most recently composited frames of one image, each holding one reference on its pixels. Not thread-safe: the
/// owning <see cref="AnimatedImage"/> calls it under its lock.
/// </summary>
internal sealed class CompositedFrameCache(int capacity)
{
    private readonly List<(int Index, PixelBuffer Buffer)> _entries = new(capacity);

    public PixelBuffer? Get(int index)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Index == index)
            {
                var entry = _entries[i];
                if (i != _entries.Count - 1)
                {
                    _entries.RemoveAt(i);
                    _entries.Add(entry);
                }

                return entry.Buffer;
            }
        }

        return null;
    }

    /// <summary>
    /// Removes frame <paramref name="index"/> and hands its reference to the caller, but only when that reference is the
    /// only one (no lease is outstanding), so the caller may overwrite the pixels. Returns null otherwise.
    /// </summary>
    public PixelBuffer? TryTakeExclusive(int index)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Index == index)
            {
                var buffer = _entries[i].Buffer;
                if (!buffer.IsExclusive)
                {
                    return null;
                }

                _entries.RemoveAt(i);
                return buffer;
            }
        }

        return null;
    }

    /// <summary>Adds a frame, taking over the caller's reference, and evicts the least recently used one past capacity.</summary>
    public void Add(int index, PixelBuffer buffer)
    {
        if (_entries.Count == capacity)
        {
            _entries[0].Buffer.Release();
            _entries.RemoveAt(0);
        }

        _entries.Add((index, buffer));
    }

    /// <summary>Drops frame <paramref name="index"/>, releasing the cache's reference on it, when it is kept.</summary>
    public void Remove(int index)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Index == index)
            {
                var buffer = _entries[i].Buffer;
                _entries.RemoveAt(i);
                buffer.Release();
                return;
            }
        }
    }

    public void Clear()
    {
        foreach (var (_, buffer) in _entries)
        {
            buffer.Release();
        }

        _entries.Clear();
    }
}
