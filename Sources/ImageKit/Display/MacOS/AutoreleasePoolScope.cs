using ImageKit.Display.MacOS.Interop;

namespace ImageKit.Display.MacOS;

/// <summary>
/// An Objective-C autorelease pool for the length of a <c>using</c> block: pushed by the constructor, popped by
/// <see cref="Dispose"/>, so also when the block throws. CoreVideo's thread has no pool of its own; without one, anything
/// autoreleased during a callback (SDWebImage #3776: the display link itself) is never released.
/// </summary>
/// <remarks>A <see langword="ref"/> struct so that it cannot escape the callback's stack frame or be popped twice by a copy.</remarks>
internal ref struct AutoreleasePoolScope
{
    private readonly ICoreVideo _runtime;
    private IntPtr _pool;
    private bool _pushed;

    /// <summary>Pushes a pool.</summary>
    public AutoreleasePoolScope(ICoreVideo runtime)
    {
        _runtime = runtime;
        _pool = runtime.AutoreleasePoolPush();
        _pushed = true;
    }

    /// <summary>Pops the pool (once), releasing what was autoreleased since the push.</summary>
    public void Dispose()
    {
        if (_pushed)
        {
            _pushed = false;
            var pool = _pool;
            _pool = IntPtr.Zero;
            _runtime.AutoreleasePoolPop(pool);
        }
    }
}
