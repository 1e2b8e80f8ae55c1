namespace ImageKit.Loading.Internal;

/// <summary>
/// One download waiting for, or holding, a slot of the <see cref="DownloadQueue"/>. Its state moves once from queued to
/// either running or cancelled; whichever of the starter and the cancellation callback wins the exchange owns what follows.
/// </summary>
internal sealed class DownloadQueueItem
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Cancelled = 2;

    private int _state;

    public DownloadQueueItem(DownloadPriority priority, Func<Task> work)
    {
        Priority = priority;
        Work = work;
    }

    /// <summary>The bucket the item is in, or will enter; changed only under the queue's lock.</summary>
    public DownloadPriority Priority { get; set; }

    public Func<Task> Work { get; }

    /// <summary>The item's place in its bucket while queued; touched only under the queue's lock.</summary>
    public LinkedListNode<DownloadQueueItem>? Node { get; set; }

    public CancellationTokenRegistration Registration { get; set; }

    public bool IsQueued => Volatile.Read(ref _state) == Queued;

    public bool IsCancelled => Volatile.Read(ref _state) == Cancelled;

    public bool TryStart() => Interlocked.CompareExchange(ref _state, Running, Queued) == Queued;

    public bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;
}
