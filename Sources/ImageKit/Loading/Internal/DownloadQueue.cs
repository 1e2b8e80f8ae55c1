namespace ImageKit.Loading.Internal;

/// <summary>
/// Runs at most a fixed number of downloads at once and starts queued ones by priority, then FIFO or LIFO.
/// </summary>
/// <remarks>
/// <para>
/// One lock guards the priority buckets and the slot count; nothing runs under it but list and counter updates. A download
/// that finds a free slot starts at once on the caller's thread (a pool thread; any other thread hands it to the pool),
/// so the common case costs no thread switch; its run (<see cref="DownloadQueueItem.RunningInline"/>) completes once the
/// slot is free again, and the caller can go on from there. When a download ends, the next queued one is started on the pool, never
/// inline, so downloads that fail synchronously cannot recurse through a long queue.
/// </para>
/// <para>
/// A running download that waits for a retry (its backoff, a server's <c>Retry-After</c>) lends its slot out meanwhile
/// (<see cref="Lend"/>) and takes one again before its next attempt (<see cref="TakeBackAsync"/>): ahead of every request
/// of its priority that has not started yet, behind the more urgent ones.
/// </para>
/// <para>
/// An earlier version passed every event through a channel to a single pump task. It needed no lock, but each download
/// paid two extra thread-pool hops (to the pump and from it), about a tenth of a small image's whole cold load.
/// </para>
/// </remarks>
internal sealed partial class DownloadQueue
{
    private readonly Lock _lock = new();
    private readonly LinkedList<DownloadQueueItem>[] _buckets = [new(), new(), new()];

    // Per priority, the turns of running downloads to take a slot again after a retry's wait, oldest first: started before
    // the bucket of the same priority.
    private readonly LinkedList<DownloadQueueItem>[] _returning = [new(), new(), new()];
    private readonly int _maxConcurrent;
    private readonly bool _lifo;
    private int _slotsInUse; // under _lock
    private bool _completed; // under _lock
    private int _queued;
    private int _active;

    public DownloadQueue(int maxConcurrent, DownloadExecutionOrder order)
    {
        _maxConcurrent = maxConcurrent;
        _lifo = order == DownloadExecutionOrder.Lifo;
    }

    public int Queued => Volatile.Read(ref _queued);

    public int Active => Volatile.Read(ref _active);

    /// <summary>
    /// Queues <paramref name="work"/>, which must not throw; it starts as soon as a slot is free (immediately when one is).
    /// If <paramref name="cancellationToken"/> is cancelled while the item waits, the item leaves the queue at once and
    /// never runs.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The queue was completed.</exception>
    public DownloadQueueItem Enqueue(DownloadPriority priority, Func<Task> work, CancellationToken cancellationToken) =>
        Enqueue(new DownloadQueueItem(priority, work), cancellationToken);

    /// <summary>
    /// Queues <paramref name="item"/>, created beforehand so that <see cref="Promote"/> may raise its priority even before
    /// it is queued; otherwise as <see cref="Enqueue(DownloadPriority, Func{Task}, CancellationToken)"/>. Call once per item.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The queue was completed.</exception>
    public DownloadQueueItem Enqueue(DownloadQueueItem item, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queued);

        // Registered before the item can start or enter a bucket: a token that is already cancelled marks it cancelled
        // right here, and it is then never queued.
        item.Registration = cancellationToken.UnsafeRegister(
            static (state, _) =>
            {
                var (queue, queued) = ((DownloadQueue, DownloadQueueItem))state!;
                queue.Cancel(queued);
            },
            (this, item));

        var startNow = false;
        var completed = false;
        lock (_lock)
        {
            if (_completed)
            {
                completed = true;
            }
            else if (item.IsCancelled)
            {
                return item;
            }
            else
            {
                // While a slot is free nothing waits (every queued item would have been started), so order is not at stake.
                startNow = _slotsInUse < _maxConcurrent;
                if (startNow)
                {
                    _slotsInUse++;
                }
                else
                {
                    // Its priority as last raised (Promote), also before it got here.
                    item.Node = _buckets[(int)item.Priority].AddLast(item);
                }
            }
        }

        if (completed)
        {
            // Outside the lock: disposing a registration waits for its callback if it is running, and the callback
            // (Cancel) takes the lock.
            item.Registration.Dispose();
            if (item.TryCancel())
            {
                Interlocked.Decrement(ref _queued);
            }

            throw new ObjectDisposedException(nameof(ImageDownloader));
        }

        if (startNow)
        {
            if (item.TryStart())
            {
                Start(item, inline: Thread.CurrentThread.IsThreadPoolThread && SynchronizationContext.Current is null);
            }
            else
            {
                FreeSlot(); // cancelled in the meantime
            }
        }

        return item;
    }

    /// <summary>
    /// Raises the priority of a still queued item (a more urgent request joined it), also of one not queued yet: it then
    /// enters the queue with the raised priority; of a running item, its turn to take a slot again after a retry's wait. A raised item counts as just queued in its new bucket (its urgent caller
    /// has just asked): behind those already there under FIFO, before them under LIFO.
    /// </summary>
    public void Promote(DownloadQueueItem item, DownloadPriority priority)
    {
        lock (_lock)
        {
            if (item.Turn is { } turn)
            {
                // A running item's turn to take a slot again (see TakeBackAsync).
                if (priority > turn.Priority)
                {
                    MoveTurn(turn, priority);
                }

                return;
            }

            if (!item.IsQueued || priority <= item.Priority)
            {
                return;
            }

            Move(item, priority, asNewest: true);
        }
    }

    /// <summary>
    /// Sets the priority of a still queued item (also of one not queued yet) to what <paramref name="priorityOf"/> says,
    /// up or down: a caller of a shared download left, and it takes the priority of those still waiting. Asked under the
    /// queue's lock, so that an answer read before a caller joined cannot undo that caller's <see cref="Promote"/> (a
    /// caller is added before it promotes). A moved item waits behind those already in its new bucket, in either execution
    /// order: under LIFO it is not taken for the newest (its callers did not just ask), nor put back where it was queued
    /// first (it would overtake those that waited there while it waited at a higher priority).
    /// </summary>
    /// <param name="item">The item.</param>
    /// <param name="priorityOf">The priority it should have now, or <see langword="null"/> to leave it as it is.</param>
    public void Reprioritize(DownloadQueueItem item, Func<DownloadPriority?> priorityOf)
    {
        lock (_lock)
        {
            if (item.Turn is { } turn)
            {
                if (priorityOf() is { } raisedOrLowered && raisedOrLowered != turn.Priority)
                {
                    MoveTurn(turn, raisedOrLowered);
                }
            }
            else if (item.IsQueued && priorityOf() is { } priority && priority != item.Priority)
            {
                Move(item, priority, asNewest: false);
            }
        }
    }

    /// <summary>Stops accepting work; queued items are expected to be cancelled by their tokens.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
        }
    }

    // Under _lock: into the bucket of priority, or only marked with it while the item is not queued yet. As the newest
    // there (last in the bucket: the next to start under LIFO), or behind all those there (the first under LIFO, which
    // starts its bucket from the end).
    private void Move(DownloadQueueItem item, DownloadPriority priority, bool asNewest)
    {
        item.Priority = priority;
        if (item.Node?.List is { } list)
        {
            list.Remove(item.Node);
            var bucket = _buckets[(int)priority];
            item.Node = _lifo && !asNewest ? bucket.AddFirst(item) : bucket.AddLast(item);
        }
    }

    private void Cancel(DownloadQueueItem item)
    {
        if (!item.TryCancel())
        {
            return; // it started, or was cancelled already
        }

        Interlocked.Decrement(ref _queued);
        lock (_lock)
        {
            if (item.Node?.List is { } list)
            {
                list.Remove(item.Node);
                item.Node = null;
            }

            item.LeaveOwner();
        }

        item.Granted?.TrySetCanceled();
    }

    private void Start(DownloadQueueItem item, bool inline)
    {
        item.Registration.Dispose();
        Interlocked.Decrement(ref _queued);
        Interlocked.Increment(ref _active);
        if (item.Granted is { } granted)
        {
            granted.TrySetResult(); // a turn: its download goes on, on the pool
        }
        else if (inline)
        {
            item.RunningInline = RunAsync(item);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Queue.RunAsync(state.Item), (Queue: this, Item: item), preferLocal: false);
        }
    }

    private async Task RunAsync(DownloadQueueItem item)
    {
        try
        {
            await item.Work().ConfigureAwait(false);
        }
        finally
        {
            // Not a slot it lent out for a retry's wait and did not take back (the download ended during that wait).
            if (!item.SlotLent)
            {
                Interlocked.Decrement(ref _active);
                FreeSlot();
            }
        }
    }

    // Hands the freed slot to the next queued item that can still start, or gives it back.
    private void FreeSlot()
    {
        while (true)
        {
            DownloadQueueItem? next;
            lock (_lock)
            {
                next = TryTakeNext();
                if (next is null)
                {
                    _slotsInUse--;
                    return;
                }
            }

            if (next.TryStart())
            {
                Start(next, inline: false);
                return;
            }

            // Cancelled between leaving its bucket and starting: the slot stays ours for the next one.
        }
    }

    // Under _lock.
    private DownloadQueueItem? TryTakeNext()
    {
        for (var p = _buckets.Length - 1; p >= 0; p--)
        {
            var bucket = _buckets[p];
            var node = _returning[p].First ?? (_lifo ? bucket.Last : bucket.First);
            if (node is not null)
            {
                node.List!.Remove(node);
                node.Value.Node = null;
                node.Value.LeaveOwner();
                return node.Value;
            }
        }

        return null;
    }
}
