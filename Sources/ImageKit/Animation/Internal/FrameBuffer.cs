using ImageKit.Decoding;

namespace ImageKit.Animation.Internal;

/// <summary>
/// The decoded frames a player keeps ahead of its playhead, each an <see cref="ImageFrame"/> lease owned by the buffer
/// and charged to a <see cref="FrameBudget"/>. The display-link thread reads it, the decode worker fills it; every access
/// holds the buffer's lock for a dictionary operation only, never during a decode.
/// </summary>
internal sealed class FrameBuffer : IDisposable
{
    /// <summary>Frames a buffer may always hold, budget or not: the one on screen and the next.</summary>
    public const int MinimumFrames = 2;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, ImageFrame> _frames = [];
    private readonly BudgetReservation _reservation;
    private readonly long _frameBytes;
    private int _pinnedIndex = -1;
    private long _peakBytes;
    private bool _disposed;

    public FrameBuffer(FrameBudget budget, long frameBytes, int capacityFrames)
    {
        _frameBytes = frameBytes;
        CapacityFrames = Math.Max(MinimumFrames, capacityFrames);
        _reservation = new BudgetReservation(budget);
        budget.Register(this);
    }

    /// <summary>The most frames the buffer holds (its share of the budget permitting).</summary>
    public int CapacityFrames { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _frames.Count;
            }
        }
    }

    public long BufferedBytes => Count * _frameBytes;

    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    public bool Contains(int index)
    {
        lock (_lock)
        {
            return _frames.ContainsKey(index);
        }
    }

    /// <summary>Returns a new lease on frame <paramref name="index"/>, owned by the caller, or null when it is not buffered.</summary>
    public ImageFrame? TryShare(int index)
    {
        lock (_lock)
        {
            return _frames.TryGetValue(index, out var frame) ? frame.Share() : null;
        }
    }

    /// <summary>
    /// Takes ownership of <paramref name="frame"/> for <paramref name="index"/>. Frames outside <paramref name="keep"/> are
    /// evicted first; returns false (and disposes the frame) when the budget has no room and the buffer already holds its
    /// minimum.
    /// </summary>
    public bool TryAdd(int index, ImageFrame frame, IReadOnlySet<int> keep)
    {
        List<ImageFrame>? evicted = null;
        var added = false;
        lock (_lock)
        {
            if (!_disposed && !_frames.ContainsKey(index))
            {
                foreach (var (buffered, old) in _frames.ToArray())
                {
                    if (!keep.Contains(buffered) && buffered != _pinnedIndex)
                    {
                        _frames.Remove(buffered);
                        (evicted ??= []).Add(old);
                    }
                }

                if (_frames.Count < CapacityFrames && _reservation.TryGrow(_frameBytes, force: _frames.Count < MinimumFrames))
                {
                    _frames.Add(index, frame);
                    added = true;
                    var bytes = _frames.Count * _frameBytes;
                    if (bytes > _peakBytes)
                    {
                        Interlocked.Exchange(ref _peakBytes, bytes);
                    }
                }
            }

            if (evicted is not null)
            {
                _reservation.Shrink(evicted.Count * _frameBytes);
            }
        }

        if (evicted is not null)
        {
            foreach (var old in evicted)
            {
                old.Dispose();
            }
        }

        if (!added)
        {
            frame.Dispose();
        }

        return added;
    }

    /// <summary>The frame on screen: never evicted while pinned.</summary>
    public void Pin(int index)
    {
        lock (_lock)
        {
            _pinnedIndex = index;
        }
    }

    /// <summary>Drops every frame but the pinned one.</summary>
    public void Trim() => RemoveWhere(index => index != Volatile.Read(ref _pinnedIndex));

    /// <summary>Drops every frame.</summary>
    public void Clear() => RemoveWhere(static _ => true);

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        Clear();
        _reservation.Dispose();
    }

    private void RemoveWhere(Func<int, bool> predicate)
    {
        List<ImageFrame> removed = [];
        lock (_lock)
        {
            foreach (var (index, frame) in _frames.ToArray())
            {
                if (predicate(index))
                {
                    _frames.Remove(index);
                    removed.Add(frame);
                }
            }

            _reservation.Shrink(removed.Count * _frameBytes);
        }

        foreach (var frame in removed)
        {
            frame.Dispose();
        }
    }
}
