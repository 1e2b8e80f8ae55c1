using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ImageKit.Caching.Internal;

/// <summary>
/// The hits a <see cref="MemoryImageCache"/> answered without its lock, waiting to be applied to the recency list, and
/// the count of those hits. Striped by thread: each thread records into one stripe (a small ring), so threads on different
/// stripes write no shared memory, and one thread's hits stay in the order it made them. The owner drains the stripes
/// into the list under its lock.
/// </summary>
/// <remarks>
/// Lossy by design, and only under contention: a hit recorded while its stripe is full (no drain could take the lock), or
/// overtaken by a concurrent drain before it was written, is counted but not applied to the recency order. With one
/// thread recording and every order-dependent decision preceded by <see cref="Drain"/>, nothing is lost and the order is
/// exact.
/// </remarks>
internal sealed class HitBuffer
{
    private const int SlotsPerStripe = 32; // a power of two
    private const int SlotMask = SlotsPerStripe - 1;

    private readonly Stripe[] _stripes;
    private readonly int _stripeMask;

    public HitBuffer()
    {
        // Enough stripes that the threads that can run at once rarely share one (threads are numbered in the order they
        // first record a hit, so the first ones each get a stripe of their own).
        var count = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 2, 4, 64));
        _stripes = new Stripe[count];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Stripe();
        }

        _stripeMask = count - 1;
    }

    [ThreadStatic]
    private static Action? t_beforeWritingHit;

    /// <summary>
    /// Tests, Debug builds only: runs on the calling thread when <see cref="Record"/> has claimed a slot and not yet
    /// written it, the window a concurrent drain can go past. Per thread, so other tests running meanwhile never see it.
    /// </summary>
    internal static Action? BeforeWritingHitForTests
    {
        get => t_beforeWritingHit;
        set => t_beforeWritingHit = value;
    }

    /// <summary>Hits recorded so far, exact once no <see cref="Record"/> is running.</summary>
    public long Hits
    {
        get
        {
            long hits = 0;
            foreach (var stripe in _stripes)
            {
                hits += stripe.Recorded;
            }

            return hits;
        }
    }

    /// <summary>
    /// Counts a hit on <paramref name="node"/> and queues it for the recency list. Lock-free; returns whether the calling
    /// thread's stripe is full and should be drained.
    /// </summary>
    public bool Record(LruNode node) => _stripes[ThreadStripe.Index & _stripeMask].Record(node);

    /// <summary>
    /// Applies the calling thread's stripe only (it is full): the other stripes' memory stays with their threads. Caller
    /// holds the cache's lock.
    /// </summary>
    public void DrainCurrentStripe(LruList lru) => _stripes[ThreadStripe.Index & _stripeMask].Drain(lru);

    /// <summary>
    /// Moves every queued node the cache still holds to the front of <paramref name="lru"/>, stripe by stripe, each in the
    /// order its hits were recorded. Caller holds the cache's lock (one drain at a time).
    /// </summary>
    public void Drain(LruList lru)
    {
        foreach (var stripe in _stripes)
        {
            stripe.Drain(lru);
        }
    }

    private sealed class Stripe
    {
        private readonly LruNode?[] _slots = new LruNode?[SlotsPerStripe];
        private Positions _positions;

        public long Recorded => Volatile.Read(ref _positions.Tail);

        public bool Record(LruNode node)
        {
            // Claiming the position also counts the hit, whether or not the node then finds room.
            var position = Interlocked.Increment(ref _positions.Tail) - 1;
            var used = position - Volatile.Read(ref _positions.Head);
            if (used >= SlotsPerStripe)
            {
                // Full: the hit is counted, its recency dropped. Ask for a drain again only once a ring's worth of hits
                // later, so that a stripe whose drain lost the lock does not make every hit try it.
                return (position & SlotMask) == SlotMask;
            }

            if (used < 0)
            {
                return false; // a drain went past this position before it was written: dropped
            }

            BeforeWritingHit();
            Volatile.Write(ref _slots[position & SlotMask], node);
            return used == SlotsPerStripe - 1;
        }

        public void Drain(LruList lru)
        {
            var head = _positions.Head;
            var tail = Volatile.Read(ref _positions.Tail);
            if (tail == head)
            {
                return;
            }

            // Positions past a full ring were never written; a claimed slot not written yet (null) is skipped, and its
            // late write is picked up, or overwritten, by a later drain.
            var end = Math.Min(tail, head + SlotsPerStripe);
            for (var position = head; position < end; position++)
            {
                ref var slot = ref _slots[position & SlotMask];
                var node = Volatile.Read(ref slot);
                slot = null; // a late write racing this is lost: one more dropped hit
                if (node is { IsRemoved: false })
                {
                    lru.MoveToFirst(node);
                }
            }

            Volatile.Write(ref _positions.Head, tail);
        }
    }

    // Compiled out of Release builds: the hit path pays nothing for the tests' hook.
    [Conditional("DEBUG")]
    private static void BeforeWritingHit() => t_beforeWritingHit?.Invoke();

    // The two counters of a stripe on a cache line of their own, away from the other stripes' (the stripes are allocated
    // one after another). Head is written only by drains, Tail by the stripe's threads.
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Positions
    {
        [FieldOffset(64)]
        public long Head;

        [FieldOffset(72)]
        public long Tail;
    }
}
