using System.Runtime.CompilerServices;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// The few most recently composited frames of one image (<see cref="AnimatedImage.CompositedFramesKept"/>), each holding
/// one reference on its pixels, least recently used first. Not thread-safe: the owning <see cref="AnimatedImage"/> calls
/// it under its lock, which is this object itself.
/// </summary>
/// <remarks>
/// The entries are fields of this object rather than a list of its own: a memory cache keeps every image it loads, and
/// each managed object an image keeps is copied by the collections that follow (see docs/benchmarks.md), so a still costs
/// one object here, not a cache, a list and its array.
/// </remarks>
internal sealed class CompositedFrameCache
{
    private Entries _entries;
    private int _count;

    public PixelBuffer? Get(int index)
    {
        var i = IndexOf(index);
        if (i < 0)
        {
            return null;
        }

        var entry = _entries[i];
        if (i != _count - 1)
        {
            RemoveAt(i);
            _entries[_count++] = entry;
        }

        return entry.Buffer;
    }

    /// <summary>
    /// Removes frame <paramref name="index"/> and hands its reference to the caller, but only when that reference is the
    /// only one (no lease is outstanding), so the caller may overwrite the pixels. Returns null otherwise.
    /// </summary>
    public PixelBuffer? TryTakeExclusive(int index)
    {
        var i = IndexOf(index);
        if (i < 0)
        {
            return null;
        }

        var buffer = _entries[i].Buffer;
        if (!buffer.IsExclusive)
        {
            return null;
        }

        RemoveAt(i);
        return buffer;
    }

    /// <summary>Adds a frame, taking over the caller's reference, and evicts the least recently used one past capacity.</summary>
    public void Add(int index, PixelBuffer buffer)
    {
        if (_count == AnimatedImage.CompositedFramesKept)
        {
            _entries[0].Buffer.Release();
            RemoveAt(0);
        }

        _entries[_count++] = new Entry(index, buffer);
    }

    /// <summary>Drops frame <paramref name="index"/>, releasing the cache's reference on it, when it is kept.</summary>
    public void Remove(int index)
    {
        var i = IndexOf(index);
        if (i >= 0)
        {
            var buffer = _entries[i].Buffer;
            RemoveAt(i);
            buffer.Release();
        }
    }

    public void Clear()
    {
        for (var i = 0; i < _count; i++)
        {
            _entries[i].Buffer.Release();
        }

        _entries = default;
        _count = 0;
    }

    private int IndexOf(int index)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_entries[i].Index == index)
            {
                return i;
            }
        }

        return -1;
    }

    // Closes the gap at `i`, keeping the order, and clears the slot freed at the end (it must not keep a buffer reachable).
    private void RemoveAt(int i)
    {
        _count--;
        for (var j = i; j < _count; j++)
        {
            _entries[j] = _entries[j + 1];
        }

        _entries[_count] = default;
    }

    private readonly record struct Entry(int Index, PixelBuffer Buffer);

    [InlineArray(AnimatedImage.CompositedFramesKept)]
    private struct Entries
    {
        private Entry _first;
    }
}
