using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ImageKit.Display;
using ImageKit.Display.MacOS;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Display.MacOS;

// The display-link targets and helpers the tests subscribe.
public sealed partial class CVDisplayLinkProviderTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference SubscribeAndDrop(DisplayLink link)
    {
        var target = new RecordingTarget();
        _ = link.Subscribe(target);
        return new WeakReference(target);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CreateRunningAndDrop(FakeCoreVideo fake)
    {
        var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();
        var target = new RecordingTarget();
        _ = link.Subscribe(target);
        Assert.IsTrue(Leaks.Eventually(() => !target.Ticks.IsEmpty, s_wait));
        return new WeakReference(link);
    }

    private sealed class RecordingTarget : IDisplayLinkTarget
    {
        private int _ticksAfterDispose;

        public ConcurrentQueue<DisplayLinkTick> Ticks { get; } = new();

        public volatile bool DisposeReturned;

        public int TicksAfterDispose => Volatile.Read(ref _ticksAfterDispose);

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            if (DisposeReturned)
            {
                Interlocked.Increment(ref _ticksAfterDispose);
            }

            Ticks.Enqueue(tick);
        }
    }

    private sealed class ThrowingTarget : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick) => throw new InvalidOperationException("boom");
    }

    private sealed class BlockingTarget(ManualResetEventSlim gate) : IDisplayLinkTarget
    {
        private int _count;

        public ManualResetEventSlim Entered { get; } = new();

        public int Count => Volatile.Read(ref _count);

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            Interlocked.Increment(ref _count);
            Entered.Set();
            gate.Wait();
        }
    }

    private sealed class DisposingTarget(DisplayLinkProvider provider) : IDisplayLinkTarget
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            Interlocked.Increment(ref _count);
            provider.Dispose();
        }
    }
}
