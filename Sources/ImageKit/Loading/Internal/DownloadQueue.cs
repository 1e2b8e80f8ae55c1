using System.Threading.Channels;

namespace ImageKit.Loading.Internal;

/// <summary>
/// Runs at most a fixed number of downloads at once and starts queued ones by priority, then FIFO or LIFO.
/// </summary>
/// <remarks>
/// Every change (enqueue, cancel, promote, a slot freed) is a message on one unbounded channel read by a single pump task,
/// which alone owns the priority buckets and the slot count: no locks, and the order of messages is the order of events.
/// Counters read by other threads are updated with <see cref="Interlocked"/>.
/// </remarks>
internal sealed class DownloadQueue
{
    private readonly Channel<Message> _channel = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
    private readonly LinkedList<DownloadQueueItem>[] _buckets = [new(), new(), new()];
    private readonly int _maxConcurrent;
    private readonly bool _lifo;
    private readonly Task _pump;
    private int _slotsInUse; // pump only
    private int _queued;
    private int _active;

    public DownloadQueue(int maxConcurrent, DownloadExecutionOrder order)
    {
        _maxConcurrent = maxConcurrent;
        _lifo = order == DownloadExecutionOrder.Lifo;
        _pump = Task.Run(PumpAsync);
    }

    private enum Kind
    {
        Enqueue,
        Remove,
        Promote,
        SlotFreed,
    }

    public int Queued => Volatile.Read(ref _queued);

    public int Active => Volatile.Read(ref _active);

    /// <summary>
    /// Queues <paramref name="work"/>; it runs on the thread pool when a slot is free and must not throw. If
    /// <paramref name="cancellationToken"/> is cancelled while the item waits, the item leaves the queue at once and never runs.
    /// </summary>
    public DownloadQueueItem Enqueue(DownloadPriority priority, Func<Task> work, CancellationToken cancellationToken)
    {
        var item = new DownloadQueueItem(priority, work);
        Interlocked.Increment(ref _queued);

        // Registered before the item is visible to the pump, so a token that is already cancelled removes it at once.
        item.Registration = cancellationToken.UnsafeRegister(
            static (state, _) =>
            {
                var (queue, queued) = ((DownloadQueue, DownloadQueueItem))state!;
                queue.Cancel(queued);
            },
            (this, item));
        if (!_channel.Writer.TryWrite(new Message(Kind.Enqueue, item)))
        {
            item.Registration.Dispose();
            if (item.TryCancel())
            {
                Interlocked.Decrement(ref _queued);
            }

            throw new ObjectDisposedException(nameof(ImageDownloader));
        }

        return item;
    }

    /// <summary>Raises the priority of a still queued item (a more urgent request joined it).</summary>
    public void Promote(DownloadQueueItem item, DownloadPriority priority)
    {
        if (item.IsQueued && priority > item.Priority)
        {
            _channel.Writer.TryWrite(new Message(Kind.Promote, item, priority));
        }
    }

    /// <summary>Stops accepting work; queued items are expected to be cancelled by their tokens.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    private void Cancel(DownloadQueueItem item)
    {
        if (item.TryCancel())
        {
            Interlocked.Decrement(ref _queued);
            _channel.Writer.TryWrite(new Message(Kind.Remove, item));
        }
    }

    private async Task PumpAsync()
    {
        await foreach (var message in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var item = message.Item;
            switch (message.Kind)
            {
                case Kind.Enqueue when item!.IsQueued:
                    item.Node = _buckets[(int)item.Priority].AddLast(item);
                    break;
                case Kind.Remove or Kind.Promote when item!.Node?.List is { } list:
                    list.Remove(item.Node);
                    item.Node = null;
                    if (message.Kind == Kind.Promote && item.IsQueued && message.Priority > item.Priority)
                    {
                        item.Priority = message.Priority;
                        item.Node = _buckets[(int)item.Priority].AddLast(item);
                    }

                    break;
                case Kind.SlotFreed:
                    _slotsInUse--;
                    break;
            }

            Dispatch();
        }
    }

    private void Dispatch()
    {
        while (_slotsInUse < _maxConcurrent && TryTakeNext() is { } next)
        {
            if (!next.TryStart())
            {
                continue; // cancelled after it was taken: its Remove message finds no node
            }

            next.Registration.Dispose();
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _active);
            _slotsInUse++;
            _ = Task.Run(() => RunAsync(next));
        }
    }

    private DownloadQueueItem? TryTakeNext()
    {
        for (var p = _buckets.Length - 1; p >= 0; p--)
        {
            var bucket = _buckets[p];
            var node = _lifo ? bucket.Last : bucket.First;
            if (node is not null)
            {
                bucket.Remove(node);
                node.Value.Node = null;
                return node.Value;
            }
        }

        return null;
    }

    private async Task RunAsync(DownloadQueueItem item)
    {
        try
        {
            await item.Work().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            _channel.Writer.TryWrite(new Message(Kind.SlotFreed, null));
        }
    }

    private readonly record struct Message(Kind Kind, DownloadQueueItem? Item, DownloadPriority Priority = DownloadPriority.Normal);
}
