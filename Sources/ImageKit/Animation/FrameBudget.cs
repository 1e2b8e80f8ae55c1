using ImageKit.Animation.Internal;
using ImageKit.Diagnostics.Internal;

namespace ImageKit.Animation;

/// <summary>
/// The frame memory every <see cref="AnimatedImagePlayer"/> draws its decode-ahead buffer from, so that a hundred players
/// cannot each take a fifth of memory. A player whose buffer cannot grow within the budget plays with a smaller buffer
/// (at least two frames: the one on screen and the next), decoding closer to the playhead instead.
/// </summary>
/// <remarks>Thread-safe. Reservations of players that were never disposed are returned when the garbage collector finalizes their buffers.</remarks>
public sealed class FrameBudget
{
    private readonly List<WeakReference<FrameBuffer>> _buffers = [];
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

    /// <summary>The bytes of decoded frames all buffers together may hold. Lowering it takes effect as buffers refill.</summary>
    public long CapacityBytes
    {
        get => Interlocked.Read(ref _capacityBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Interlocked.Exchange(ref _capacityBytes, value);
        }
    }

    /// <summary>The bytes currently reserved by buffers.</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    /// <summary>
    /// Memory pressure: every buffer drawing from this budget drops all frames but the one on screen. Players refill as
    /// they play.
    /// </summary>
    public void Trim()
    {
        FrameBuffer[] buffers;
        lock (_buffers)
        {
            _buffers.RemoveAll(static w => !w.TryGetTarget(out _));
            buffers = [.. _buffers.Select(static w => w.TryGetTarget(out var b) ? b : null).OfType<FrameBuffer>()];
        }

        foreach (var buffer in buffers)
        {
            buffer.Trim();
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

    /// <summary>Reserves <paramref name="bytes"/> if they fit, or unconditionally when <paramref name="force"/> is set.</summary>
    internal bool TryReserve(long bytes, bool force)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _usedBytes);
            if (!force && used + bytes > CapacityBytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _usedBytes, used + bytes, used) == used)
            {
                return true;
            }
        }
    }

    internal void Release(long bytes) => Interlocked.Add(ref _usedBytes, -bytes);
}
