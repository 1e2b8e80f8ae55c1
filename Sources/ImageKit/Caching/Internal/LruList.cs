namespace ImageKit.Caching.Internal;

/// <summary>
/// An intrusive doubly linked list, most recently used first. Not thread-safe: its owner serialises access. Unlike
/// <see cref="LinkedList{T}"/> it does no ownership or version checks, and moving the head to the front costs nothing,
/// which is most of what a hot cache hit does.
/// </summary>
internal sealed class LruList
{
    public LruNode? First { get; private set; }

    public LruNode? Last { get; private set; }

    public int Count { get; private set; }

    public void AddFirst(LruNode node)
    {
        node.Previous = null;
        node.Next = First;
        if (First is null)
        {
            Last = node;
        }
        else
        {
            First.Previous = node;
        }

        First = node;
        Count++;
    }

    public void Remove(LruNode node)
    {
        if (node.Previous is null)
        {
            First = node.Next;
        }
        else
        {
            node.Previous.Next = node.Next;
        }

        if (node.Next is null)
        {
            Last = node.Previous;
        }
        else
        {
            node.Next.Previous = node.Previous;
        }

        node.Previous = null;
        node.Next = null;
        Count--;
    }

    public void MoveToFirst(LruNode node)
    {
        if (node != First)
        {
            Remove(node);
            AddFirst(node);
        }
    }

    public void Clear()
    {
        First = null;
        Last = null;
        Count = 0;
    }
}
