using ImageKit.Decoding;

namespace ImageKit.Animation.Internal;

/// <summary>
/// The decoded frames a player keeps ahead of its playhead, each an <see cref="ImageFrame"/> lease owned by the buffer
/// and charged to a <see cref="FrameBudget"/> (once for all buffers that hold the same pixels). The display-link thread
/// reads it, the decode worker fills it; every access holds the buffer's lock for a dictionary operation only, never
/// during a decode.
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

    // The frames the playhead wanted at the worker's last pass, nearest first (under _lock): which frame is farthest.
    private int[]? _upcoming;
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
    /// Takes ownership of <paramref name="frame"/> for <paramref name="index"/>. <paramref name="upcoming"/> lists the frames
    /// wanted, nearest the playhead first: frames not in it are evicted; when the budget has no room, the farthest buffered
    /// frame makes way for a nearer one. Returns false (and disposes the frame) when it is not nearer than anything held.
    /// </summary>
    public bool TryAdd(int index, ImageFrame frame, IReadOnlyList<int> upcoming)
    {
        List<ImageFrame> evicted = [];
        var added = false;
        lock (_lock)
        {
            if (!_disposed && !_frames.ContainsKey(index))
            {
                var rank = new Dictionary<int, int>(upcoming.Count);
                for (var i = 0; i < upcoming.Count; i++)
                {
                    rank.TryAdd(upcoming[i], i);
                }

                foreach (var buffered in _frames.Keys.ToArray())
                {
                    if (!rank.ContainsKey(buffered) && buffered != _pinnedIndex)
                    {
                        evicted.Add(Remove(buffered));
                    }
                }

                var pixels = frame.Buffer.Id;
                if (_frames.Count < CapacityFrames && _reservation.TryCharge(pixels, _frameBytes, force: _frames.Count < MinimumFrames))
                {
                    added = true;
                }
                else if (rank.TryGetValue(index, out var newRank) && Farthest(rank) is var (farthest, farthestRank) && farthestRank > newRank)
                {
                    // Out of budget or capacity: swap the farthest frame for this nearer one, its charge for this one's
                    // (forced: it takes no more than the frame it replaces, and less when another buffer holds it).
                    evicted.Add(Remove(farthest));
                    _reservation.TryCharge(pixels, _frameBytes, force: true);
                    added = true;
                }

                if (added)
                {
                    _frames.Add(index, frame);
                    var bytes = _frames.Count * _frameBytes;
                    if (bytes > _peakBytes)
                    {
                        Interlocked.Exchange(ref _peakBytes, bytes);
                    }
                }
            }
        }

        foreach (var old in evicted)
        {
            old.Dispose();
        }

        if (!added)
        {
            frame.Dispose();
        }

        return added;
    }

    /// <summary>
    /// Whether <see cref="TryAdd"/> would keep frame <paramref name="index"/> now: asked before decoding, so the worker does
    /// not decode a frame only to throw it away (the budget may still refuse it by the time it is added).
    /// </summary>
    public bool WouldAccept(int index, IReadOnlyList<int> upcoming)
    {
        lock (_lock)
        {
            var held = 0;
            var farthestRank = -1;
            var paysForFew = PaysForFewerThanMinimum();
            var newRank = -1;
            for (var i = 0; i < upcoming.Count; i++)
            {
                if (upcoming[i] == index && newRank < 0)
                {
                    newRank = i;
                }

                if (_frames.ContainsKey(upcoming[i]))
                {
                    held++;
                    if (upcoming[i] != _pinnedIndex && MaySwapOut(upcoming[i], paysForFew))
                    {
                        farthestRank = i;
                    }
                }
            }

            if (_disposed || newRank < 0)
            {
                return false;
            }

            var room = held < CapacityFrames && (held < MinimumFrames || _reservation.CouldGrow(_frameBytes));
            return room || farthestRank > newRank;
        }
    }

    // Under _lock: the buffered frame farthest from the playhead that may make way (not the pinned one), or null.
    private (int Index, int Rank)? Farthest(Dictionary<int, int> rank)
    {
        (int Index, int Rank)? farthest = null;
        var paysForFew = PaysForFewerThanMinimum();
        foreach (var buffered in _frames.Keys)
        {
            if (buffered != _pinnedIndex && rank.TryGetValue(buffered, out var r) && (farthest is null || r > farthest.Value.Rank)
                && MaySwapOut(buffered, paysForFew))
            {
                farthest = (buffered, r);
            }
        }

        return farthest;
    }

    // Under _lock: whether a full buffer may drop frame `index` for a nearer one whose charge is forced. Only if that gives
    // the budget its bytes back (no other buffer holds the frame), or the buffer pays for fewer than MinimumFrames of its
    // frames: swapping out frames another player shares would otherwise charge every nearer frame past the budget.
    private bool MaySwapOut(int index, bool paysForFew) => paysForFew || !_reservation.IsShared(_frames[index].Buffer.Id);

    // Under _lock.
    private bool PaysForFewerThanMinimum()
    {
        var paid = 0;
        foreach (var frame in _frames.Values)
        {
            if (!_reservation.IsShared(frame.Buffer.Id) && ++paid >= MinimumFrames)
            {
                return false;
            }
        }

        return true;
    }

    // Under _lock: removes a frame and gives its charge back to the budget.
    private ImageFrame Remove(int index)
    {
        _frames.Remove(index, out var frame);
        _reservation.Discharge(frame!.Buffer.Id);
        return frame;
    }

    /// <summary>The frame on screen: never evicted while pinned.</summary>
    public void Pin(int index)
    {
        lock (_lock)
        {
            _pinnedIndex = index;
        }
    }

    /// <summary>
    /// Drops the frames the playhead no longer wants (not in <paramref name="upcoming"/>, and not the one on screen), giving
    /// their charges back: <see cref="WouldAccept"/> asks the budget for room, and frames left behind would hold it.
    /// </summary>
    public void Retain(int[] upcoming)
    {
        List<ImageFrame>? removed = null;
        lock (_lock)
        {
            _upcoming = upcoming;
            List<int>? behind = null;
            foreach (var index in _frames.Keys)
            {
                if (index != _pinnedIndex && Array.IndexOf(upcoming, index) < 0)
                {
                    (behind ??= []).Add(index);
                }
            }

            // Usually none (this runs at every wake-up of the worker): then nothing is allocated.
            if (behind is not null)
            {
                removed = [.. behind.Select(Remove)];
            }
        }

        foreach (var frame in removed ?? [])
        {
            frame.Dispose();
        }
    }

    /// <summary>
    /// Drops the buffered frame farthest from the playhead (as last seen by the worker), giving its charge back: never the
    /// one on screen, nor below <see cref="MinimumFrames"/>. False when no frame may go.
    /// </summary>
    public bool TryDropFarthest()
    {
        ImageFrame? dropped = null;
        lock (_lock)
        {
            if (_disposed || _frames.Count <= MinimumFrames)
            {
                return false;
            }

            var farthest = -1;
            var farthestRank = -1;
            foreach (var index in _frames.Keys)
            {
                // A frame the playhead no longer wants is the farthest of all; without an order yet, the highest index.
                var rank = _upcoming is null ? index : Array.IndexOf(_upcoming, index) is >= 0 and var r ? r : int.MaxValue;
                if (index != _pinnedIndex && rank > farthestRank)
                {
                    farthest = index;
                    farthestRank = rank;
                }
            }

            if (farthestRank >= 0)
            {
                dropped = Remove(farthest);
            }
        }

        dropped?.Dispose();
        return dropped is not null;
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
            foreach (var index in _frames.Keys.ToArray())
            {
                if (predicate(index))
                {
                    removed.Add(Remove(index));
                }
            }
        }

        foreach (var frame in removed)
        {
            frame.Dispose();
        }
    }
}
