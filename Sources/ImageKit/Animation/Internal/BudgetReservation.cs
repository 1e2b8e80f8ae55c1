namespace ImageKit.Animation.Internal;

/// <summary>
/// The bytes one buffer holds of a <see cref="FrameBudget"/>: the smallest owner of that reservation, so it alone has a
/// finalizer, and a player that was never disposed still gives its share back when it is collected.
/// </summary>
internal sealed class BudgetReservation(FrameBudget budget) : IDisposable
{
    private long _bytes;

    ~BudgetReservation() => ReleaseAll();

    public long Bytes => Interlocked.Read(ref _bytes);

    public bool TryGrow(long bytes, bool force)
    {
        if (!budget.TryReserve(bytes, force))
        {
            return false;
        }

        Interlocked.Add(ref _bytes, bytes);
        return true;
    }

    public bool CouldGrow(long bytes) => budget.UsedBytes + bytes <= budget.CapacityBytes;

    public void Shrink(long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _bytes, -bytes);
            budget.Release(bytes);
        }
    }

    public void Dispose()
    {
        ReleaseAll();
        GC.SuppressFinalize(this);
    }

    private void ReleaseAll() => budget.Release(Interlocked.Exchange(ref _bytes, 0));
}
