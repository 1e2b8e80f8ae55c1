namespace ImageKit.Animation.Internal;

/// <summary>
/// The pixels one buffer holds of a <see cref="FrameBudget"/>: the smallest owner of those charges, so it alone has a
/// finalizer, and a player that was never disposed still gives its share back when it is collected. Pixels are named
/// by <see cref="Decoding.Internal.PixelBuffer.Id"/>; the budget charges each once however many buffers hold it.
/// </summary>
internal sealed class BudgetReservation(FrameBudget budget) : IDisposable
{
    private readonly Lock _lock = new();

    // Pixels charged through this reservation, and how many of this buffer's frames hold each (one, but nothing here
    // relies on it).
    private readonly Dictionary<long, int> _held = [];

    ~BudgetReservation() => ReleaseAll();

    /// <summary>
    /// Charges <paramref name="bytes"/> of pixels <paramref name="pixels"/> if they fit, or unconditionally when
    /// <paramref name="force"/> is set; pixels the budget already charges (another buffer holds them) are free.
    /// </summary>
    public bool TryCharge(long pixels, long bytes, bool force)
    {
        lock (_lock)
        {
            if (!budget.TryCharge(pixels, bytes, force))
            {
                return false;
            }

            _held[pixels] = _held.GetValueOrDefault(pixels) + 1;
            return true;
        }
    }

    /// <summary>Whether <paramref name="bytes"/> of pixels nobody holds yet would fit.</summary>
    public bool CouldGrow(long bytes) => budget.UsedBytes + bytes <= budget.CapacityBytes;

    /// <summary>Whether another buffer holds <paramref name="pixels"/> too: giving this hold back frees nothing.</summary>
    public bool IsShared(long pixels) => budget.IsShared(pixels);

    /// <summary>Gives back one hold on <paramref name="pixels"/>, charged by <see cref="TryCharge"/>.</summary>
    public void Discharge(long pixels)
    {
        lock (_lock)
        {
            if (_held.TryGetValue(pixels, out var count))
            {
                if (count == 1)
                {
                    _held.Remove(pixels);
                }
                else
                {
                    _held[pixels] = count - 1;
                }

                budget.Discharge(pixels);
            }
        }
    }

    public void Dispose()
    {
        ReleaseAll();
        GC.SuppressFinalize(this);
    }

    // Also from the finalizer: the dictionary and the budget are ordinary objects, still intact then.
    private void ReleaseAll()
    {
        lock (_lock)
        {
            foreach (var (pixels, count) in _held)
            {
                for (var i = 0; i < count; i++)
                {
                    budget.Discharge(pixels);
                }
            }

            _held.Clear();
        }
    }
}
