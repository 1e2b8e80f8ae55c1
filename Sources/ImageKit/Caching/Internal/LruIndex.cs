using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace ImageKit.Caching.Internal;

/// <summary>
/// The key → <see cref="LruNode"/> table of a <see cref="MemoryImageCache"/>: a chained hash table threaded through the
/// nodes themselves (no allocation per entry), written by one thread at a time (the cache's lock) and read by any number
/// of threads without a lock.
/// </summary>
/// <remarks>
/// A lock-free <see cref="Find(string, int)"/> never returns another key's node, but the node it returns may have been
/// removed meanwhile (the cache checks <see cref="LruNode.IsRemoved"/>), and it may miss a key that a concurrent removal or
/// resize is moving (the cache then looks again under its lock). Chains stay acyclic at every instant: a node joins a chain only at its head, a removal only skips a
/// node (whose own link is left as it was, so a reader standing on it walks on), and a resize links each node only to
/// nodes already moved. A node is never put back once removed: holding an image again makes a new node.
/// </remarks>
internal sealed class LruIndex
{
    // Per process, so that keys chosen to collide (image URLs come from content) cannot be prepared in advance.
    private static readonly long s_seed = Random.Shared.NextInt64();

    private LruNode?[] _buckets = new LruNode?[16];

    /// <summary>The number of nodes in the table.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// The hash a node of <paramref name="key"/> is filed under: seeded XXH3 of its UTF-16 code units, which costs about
    /// half of <see cref="string.GetHashCode()"/> (Marvin) on URL-length keys and is what a hit spends most of its time on
    /// after the lease.
    /// </summary>
    public static int Hash(string key) => Hash(key.AsSpan());

    /// <summary>The hash of a key given as characters (the key part of a variant's key, say), as <see cref="Hash(string)"/>.</summary>
    public static int Hash(ReadOnlySpan<char> key)
    {
        var hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key), s_seed);
        return (int)hash ^ (int)(hash >> 32);
    }

    /// <summary>The node of <paramref name="key"/>, or <see langword="null"/>. Thread-safe; see the remarks.</summary>
    public LruNode? Find(string key) => Find(key, Hash(key));

    /// <summary>The node of <paramref name="key"/>, whose <see cref="Hash(string)"/> is <paramref name="hash"/>, or <see langword="null"/>.</summary>
    public LruNode? Find(string key, int hash)
    {
        var buckets = Volatile.Read(ref _buckets);
        for (var node = Volatile.Read(ref buckets[hash & (buckets.Length - 1)]); node is not null; node = node.NextInBucket)
        {
            if (node.Hash == hash && string.Equals(node.Key, key, StringComparison.Ordinal))
            {
                return node;
            }
        }

        return null;
    }

    /// <summary>Files <paramref name="node"/>, whose key is not in the table. Caller holds the cache's lock.</summary>
    public void Add(LruNode node)
    {
        if (Count >= _buckets.Length)
        {
            Grow();
        }

        var buckets = _buckets;
        ref var head = ref buckets[node.Hash & (buckets.Length - 1)];
        node.NextInBucket = head;
        Volatile.Write(ref head, node); // publishes the node's fields with it
        Count++;
    }

    /// <summary>Takes <paramref name="node"/>, which is in the table, out of it. Caller holds the cache's lock.</summary>
    public void Remove(LruNode node)
    {
        var buckets = _buckets;
        ref var head = ref buckets[node.Hash & (buckets.Length - 1)];
        if (head == node)
        {
            Volatile.Write(ref head, node.NextInBucket);
        }
        else
        {
            var previous = head;
            while (previous!.NextInBucket != node)
            {
                previous = previous.NextInBucket;
            }

            previous.NextInBucket = node.NextInBucket;
        }

        Count--;
    }

    /// <summary>Empties the table. Caller holds the cache's lock.</summary>
    public void Clear()
    {
        Volatile.Write(ref _buckets, new LruNode?[16]);
        Count = 0;
    }

    // Twice the buckets, filled before it is published. Each node is linked at the head of its new chain, so it only ever
    // points at nodes already moved; a reader still on the old table may then miss its key, never loop.
    private void Grow()
    {
        var old = _buckets;
        var buckets = new LruNode?[old.Length * 2];
        foreach (var first in old)
        {
            var node = first;
            while (node is not null)
            {
                var next = node.NextInBucket;
                ref var head = ref buckets[node.Hash & (buckets.Length - 1)];
                node.NextInBucket = head;
                head = node;
                node = next;
            }
        }

        Volatile.Write(ref _buckets, buckets);
    }
}
