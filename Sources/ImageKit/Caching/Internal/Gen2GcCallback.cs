namespace ImageKit.Caching.Internal;

/// <summary>
/// Calls back after every full (generation 2) garbage collection for as long as its target lives, without keeping the
/// target alive: an object whose finalizer re-registers itself runs once per gen-2 collection. The runtime uses the same
/// trick to trim its array pools; it is not public, hence this small copy of the idea.
/// </summary>
internal sealed class Gen2GcCallback
{
    private readonly Func<object, bool> _callback;
    private readonly WeakReference<object> _target;

    private Gen2GcCallback(Func<object, bool> callback, object target)
    {
        _callback = callback;
        _target = new WeakReference<object>(target);
    }

    /// <summary>Registers <paramref name="callback"/>; it runs on the finalizer thread and returns whether to keep running.</summary>
    public static void Register(Func<object, bool> callback, object target) => _ = new Gen2GcCallback(callback, target);

    ~Gen2GcCallback()
    {
        if (!_target.TryGetTarget(out var target))
        {
            return;
        }

        try
        {
            if (!_callback(target))
            {
                return;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A callback failure must never take down the finalizer thread; keep listening.
        }

        GC.ReRegisterForFinalize(this);
    }
}
