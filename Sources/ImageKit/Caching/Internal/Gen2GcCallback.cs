using System.Runtime.ConstrainedExecution;
using System.Runtime.InteropServices;

namespace ImageKit.Caching.Internal;

/// <summary>
/// Calls back after every full (generation 2) garbage collection for as long as its target lives, without keeping the
/// target alive: an object whose finalizer re-registers itself runs once per gen-2 collection. The runtime uses the same
/// trick to trim its array pools; it is not public, hence this small copy of the idea.
/// </summary>
/// <remarks>
/// The target is held through a weak <see cref="GCHandle"/>, not a <see cref="WeakReference{T}"/>: this object and
/// everything only it references become finalizable in the same collection, in no particular order, and a
/// <see cref="WeakReference{T}"/> has a finalizer that frees its handle. With one, the callback found its target "gone"
/// after the first full collection or two and stopped for good (<c>Gen2GcCallbackTests</c>). A handle is a struct inside
/// this object and is freed only here.
/// </remarks>
internal sealed class Gen2GcCallback : CriticalFinalizerObject
{
    private readonly Func<object, bool> _callback;
    private GCHandle _target;

    private Gen2GcCallback(Func<object, bool> callback, object target)
    {
        _callback = callback;
        _target = GCHandle.Alloc(target, GCHandleType.Weak);
    }

    /// <summary>Registers <paramref name="callback"/>; it runs on the finalizer thread and returns whether to keep running.</summary>
    public static void Register(Func<object, bool> callback, object target) => _ = new Gen2GcCallback(callback, target);

    ~Gen2GcCallback()
    {
        var target = _target.Target;
        if (target is null)
        {
            _target.Free();
            return;
        }

        var keep = true;
        try
        {
            keep = _callback(target);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A callback failure must never take down the finalizer thread; keep listening.
        }

        if (!keep)
        {
            _target.Free();
            return;
        }

        GC.ReRegisterForFinalize(this);
    }
}
