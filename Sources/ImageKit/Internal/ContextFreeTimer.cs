namespace ImageKit.Internal;

/// <summary>
/// Timers that do not capture the creating caller's <see cref="ExecutionContext"/>. A timer owned by a long-lived object
/// (a manager, a disk cache, the pixel pool, a display link) would otherwise keep the <see cref="AsyncLocal{T}"/> values
/// its creator happened to have (an <c>Activity</c>, logging scopes, a request's state) alive for the owner's whole life,
/// and run every callback inside them.
/// </summary>
internal static class ContextFreeTimer
{
    /// <summary><paramref name="time"/>.<see cref="TimeProvider.CreateTimer"/>, with the caller's context not flowing to the callbacks.</summary>
    public static ITimer Create(TimeProvider time, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var restore = !ExecutionContext.IsFlowSuppressed();
        if (restore)
        {
            ExecutionContext.SuppressFlow();
        }

        try
        {
            return time.CreateTimer(callback, state, dueTime, period);
        }
        finally
        {
            if (restore)
            {
                ExecutionContext.RestoreFlow();
            }
        }
    }
}
