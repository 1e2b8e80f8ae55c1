using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImageKit.Animation.Internal;
using ImageKit.Diagnostics.Internal;

namespace ImageKit.Animation;

/// <summary>
/// The frame memory every <see cref="AnimatedImagePlayer"/> draws its decode-ahead buffer from, so that a hundred players
/// cannot each take a fifth of memory. A player whose buffer cannot grow within the budget plays with a smaller buffer
/// (at least two frames: the one on screen and the next), decoding closer to the playhead instead. Frames that players
/// of one image share (<see cref="Decoding.AnimatedImage.GetFrame"/> hands out a frame someone still holds) are charged
/// once, for as long as any buffer holds them.
/// </summary>
/// <remarks>Thread-safe. Reservations of players that were never disposed are returned when the garbage collector finalizes their buffers.</remarks>
public sealed class FrameBudget
{
    private readonly List<WeakReference<FrameBuffer>> _buffers = [];

    // The pixels buffers hold, by PixelBuffer.Id: each charged once, however many buffers hold it (players of one image
    // share frames).
    private readonly Dictionary<long, Charge> _charges = [];
    private long _capacityBytes;
    private long _usedBytes;

    /// <summary>Creates a budget of <paramref name="capacityBytes"/>.</summary>
    public FrameBudget(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        _capacityBytes = capacityBytes;
        ImageKitMetrics.Track(this);
    }

    /// <summary>
    /// The budget players use unless given another: an eighth of the memory available to the process, at most 512 MiB.
    /// </summary>
    public static FrameBudget Shared { get; } = new(Math.Min(512L * 1024 * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 8));

    /// <summary>
    /// The bytes of decoded frames all buffers together may hold. Lowering it below what they hold makes them drop frames
    /// before the setter returns, the farthest from each playhead first and in turns, until the budget fits or each keeps
    /// only the frame on screen and the next; they then play with smaller buffers.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long CapacityBytes
    {
        get => Interlocked.Read(ref _capacityBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            var previous = Interlocked.Exchange(ref _capacityBytes, value);
            if (value < previous && UsedBytes > value)
            {
                ShedToCapacity();
            }
        }
    }

    /// <summary>The bytes of the frames buffers hold now; frames several buffers share count once.</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    /// <summary>
    /// Memory pressure: every buffer drawing from this budget drops all frames but the one on screen. Players refill as
    /// they play.
    /// </summary>
    public void Trim()
    {
        foreach (var buffer in LiveBuffers())
        {
            buffer.Trim();
        }
    }

    // A lowered capacity: buffers that hold every frame never refill, so waiting for refills would keep the old budget's
    // frames for good. Each buffer drops its farthest frame in turn (frames that buffers share are given back once all of
    // them have dropped them), until the budget fits or none may drop more.
    private void ShedToCapacity()
    {
        var buffers = LiveBuffers();
        var dropping = new List<FrameBuffer>(buffers);
        while (dropping.Count > 0)
        {
            for (var i = 0; i < dropping.Count; i++)
            {
                if (UsedBytes <= CapacityBytes)
                {
                    return;
                }

                if (!dropping[i].TryDropFarthest())
                {
                    dropping.RemoveAt(i--);
                }
            }
        }
    }

    private FrameBuffer[] LiveBuffers()
    {
        lock (_buffers)
        {
            _buffers.RemoveAll(static w => !w.TryGetTarget(out _));
            return [.. _buffers.Select(static w => w.TryGetTarget(out var b) ? b : null).OfType<FrameBuffer>()];
        }
    }

    internal void Register(FrameBuffer buffer)
    {
        lock (_buffers)
        {
            _buffers.RemoveAll(static w => !w.TryGetTarget(out _));
            _buffers.Add(new WeakReference<FrameBuffer>(buffer));
        }
    }

    /// <summary>
    /// Charges <paramref name="bytes"/> for pixels <paramref name="pixels"/> if they fit, or unconditionally when
    /// <paramref name="force"/> is set. Pixels already charged (another buffer holds them) only gain a holder and cost
    /// nothing more.
    /// </summary>
    internal bool TryCharge(long pixels, long bytes, bool force)
    {
        lock (_charges)
        {
            ref var charge = ref CollectionsMarshal.GetValueRefOrAddDefault(_charges, pixels, out var exists);
            if (exists)
            {
                charge.Holders++;
                return true;
            }

            if (!force && Interlocked.Read(ref _usedBytes) + bytes > CapacityBytes)
            {
                _charges.Remove(pixels);
                return false;
            }

            charge = new Charge { Bytes = bytes, Holders = 1 };
            Interlocked.Add(ref _usedBytes, bytes);
            return true;
        }
    }

    /// <summary>Whether more than one buffer holds <paramref name="pixels"/>: one of them letting go frees nothing.</summary>
    internal bool IsShared(long pixels)
    {
        lock (_charges)
        {
            return _charges.TryGetValue(pixels, out var charge) && charge.Holders > 1;
        }
    }

    /// <summary>Removes one holder of <paramref name="pixels"/>; the last one gives their bytes back.</summary>
    internal void Discharge(long pixels)
    {
        lock (_charges)
        {
            ref var charge = ref CollectionsMarshal.GetValueRefOrNullRef(_charges, pixels);
            if (Unsafe.IsNullRef(ref charge))
            {
                return;
            }

            if (--charge.Holders == 0)
            {
                Interlocked.Add(ref _usedBytes, -charge.Bytes);
                _charges.Remove(pixels);
            }
        }
    }

    private struct Charge
    {
        public long Bytes;
        public int Holders;
    }
}
