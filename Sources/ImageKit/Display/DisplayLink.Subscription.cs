namespace ImageKit.Display;

public abstract partial class DisplayLink
{
    /// <summary>
    /// One target's place on the link. It counts the ticks being delivered to its target, so that <see cref="Dispose"/>
    /// from another thread returns only once none is: after it, the target is never called again. Ending the subscription
    /// is a full fence and so is counting a delivery in, so a delivery that counted itself in after the end sees it and
    /// calls nothing, and one that counted in before is waited for (the pattern of the CoreVideo callback hub).
    /// </summary>
    private sealed class Subscription(DisplayLink link, IDisplayLinkTarget target) : IDisposable
    {
        // The subscriptions whose target this thread is calling, innermost last: a Dispose from inside its own target's
        // tick (or a tick nested in it) must not wait for itself.
        [ThreadStatic]
        private static Subscription?[]? t_delivering;

        [ThreadStatic]
        private static int t_deliveringDepth;

        private readonly WeakReference<IDisplayLinkTarget> _target = new(target);
        private DisplayLink? _link = link;
        private int _inFlight;

        public bool IsAlive => Volatile.Read(ref _link) is not null && _target.TryGetTarget(out _);

        /// <summary>Counts a delivery in and returns the target, or returns false (counted out again) when the
        /// subscription has ended or the target was collected. A true return must be followed by <see cref="EndDelivery"/>.</summary>
        public bool TryBeginDelivery(out IDisplayLinkTarget target)
        {
            Interlocked.Increment(ref _inFlight);
            if (Volatile.Read(ref _link) is null || !_target.TryGetTarget(out target!))
            {
                Interlocked.Decrement(ref _inFlight);
                target = null!;
                return false;
            }

            var stack = t_delivering ??= new Subscription?[4];
            if (t_deliveringDepth == stack.Length)
            {
                Array.Resize(ref stack, stack.Length * 2);
                t_delivering = stack;
            }

            stack[t_deliveringDepth++] = this;
            return true;
        }

        public void EndDelivery()
        {
            t_delivering![--t_deliveringDepth] = null;
            Interlocked.Decrement(ref _inFlight);
        }

        // The link is being disposed, and has dropped the subscription: ended without waiting (the link's stop waits for a
        // tick on another thread), so that a tick going on through its copy of the list no longer calls the target.
        public void EndWithLink() => Interlocked.Exchange(ref _link, null);

        // Waits for a tick being delivered to the target on another thread (never for one on this thread: a target may
        // end its own subscription from its tick). Targets must return quickly, so a spin that backs off to sleeping is
        // enough, as for the CoreVideo hub.
        public void Dispose()
        {
            try
            {
                Interlocked.Exchange(ref _link, null)?.Remove(this);
            }
            finally
            {
                var own = DeliveriesOnThisThread();
                var spinner = default(SpinWait);
                while (Volatile.Read(ref _inFlight) > own)
                {
                    spinner.SpinOnce(sleep1Threshold: 20);
                }
            }
        }

        private int DeliveriesOnThisThread()
        {
            var count = 0;
            var stack = t_delivering;
            for (var i = 0; i < t_deliveringDepth; i++)
            {
                if (ReferenceEquals(stack![i], this))
                {
                    count++;
                }
            }

            return count;
        }
    }
}
