namespace ImageKit.Caching.Internal;

/// <summary>
/// A small number per thread, handed out in the order threads first ask for one, for choosing a stripe of a striped
/// structure (<see cref="HitBuffer"/>): the same thread always gets the same number, and the first threads get numbers in
/// sequence, so they fall into different stripes (managed thread ids often do not: the main thread is 1, and pool threads
/// start at whatever id the runtime's own threads left).
/// </summary>
internal static class ThreadStripe
{
    [ThreadStatic]
    private static int t_index; // the number plus one; 0 until the thread first asks

    private static int s_next;

    public static int Index
    {
        get
        {
            var index = t_index;
            return index != 0 ? index - 1 : Assign();
        }
    }

    private static int Assign()
    {
        var index = Interlocked.Increment(ref s_next) & int.MaxValue;
        t_index = index == 0 ? 1 : index; // skip 0, which means "not yet" (after 2^31 threads)
        return t_index - 1;
    }
}
