using ImageKit.Caching.Internal;

namespace ImageKit.Tests.Caching;

[TestClass]
[DoNotParallelize] // counts full collections
public sealed class Gen2GcCallbackTests
{
    [TestMethod]
    public void Register_TargetAlive_RunsAfterEveryFullCollection()
    {
        var target = new object();
        var calls = 0;
        Gen2GcCallback.Register(_ => { Interlocked.Increment(ref calls); return true; }, target);

        for (var i = 0; i < 20; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.IsGreaterThanOrEqualTo(20, Volatile.Read(ref calls), "one call per full collection, for as long as the target lives");
        GC.KeepAlive(target);
    }

    [TestMethod]
    public void Register_CallbackReturnsFalse_StopsCalling()
    {
        var target = new object();
        var calls = 0;
        Gen2GcCallback.Register(_ => Interlocked.Increment(ref calls) < 3, target);

        for (var i = 0; i < 10; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.AreEqual(3, Volatile.Read(ref calls));
        GC.KeepAlive(target);
    }

    [TestMethod]
    public void Register_TargetCollected_StopsCallingAndLetsItGo()
    {
        var calls = 0;
        var weak = RegisterOnDroppedTarget(() => Interlocked.Increment(ref calls));

        Assert.IsTrue(TestUtilities.Leaks.CollectUntil(() => !weak.IsAlive), "the callback does not keep its target alive");
        for (var i = 0; i < 5; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        var settled = Volatile.Read(ref calls);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.AreEqual(settled, Volatile.Read(ref calls), "no calls once the target is gone");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference RegisterOnDroppedTarget(Action onCall)
    {
        var target = new object();
        Gen2GcCallback.Register(_ => { onCall(); return true; }, target);
        return new WeakReference(target);
    }
}
