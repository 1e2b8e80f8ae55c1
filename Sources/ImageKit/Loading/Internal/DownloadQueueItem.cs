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

    // A running item's turn to take a slot again after it lent its own (see DownloadQueue.Lend): starting it runs nothing,
    // it completes Granted.
    private DownloadQueueItem(DownloadPriority priority)
    {
        Priority = priority;
        Work = static () => Task.CompletedTask;
        Granted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The bucket the item is in, or will enter; changed only under the queue's lock.</summary>
    public DownloadPriority Priority { get; set; }

    public Func<Task> Work { get; }

    /// <summary>The item's place in its bucket while queued; touched only under the queue's lock.</summary>
    public LinkedListNode<DownloadQueueItem>? Node { get; set; }

    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>
    /// The run of an item that started on the thread that queued it (a free slot, a pool thread): completes once the work
    /// has ended and the slot is free again. <see langword="null"/> for an item started later, from the queue.
    /// </summary>
    public Task? RunningInline { get; set; }

    /// <summary>For a turn (<see cref="ForTurn"/>): completed when it is given a slot, cancelled when it leaves the queue.</summary>
    public TaskCompletionSource? Granted { get; }

    /// <summary>
    /// Whether a running item has lent its slot out (it waits for a retry) and not taken one back yet; set and cleared
    /// by its own run, one step at a time.
    /// </summary>
    public bool SlotLent { get; set; }

    /// <summary>The turn of a running item that waits in the queue to take a slot again; touched only under the queue's lock.</summary>
    public DownloadQueueItem? Turn { get; set; }

    /// <summary>For a queued turn, the running item whose it is; touched only under the queue's lock.</summary>
    public DownloadQueueItem? Owner { get; set; }

    /// <summary>A turn that leaves the queue (started or cancelled) is no longer its item's; under the queue's lock.</summary>
    public void LeaveOwner()
    {
        if (Owner is { } owner)
        {
            owner.Turn = null;
            Owner = null;
        }
    }

    public bool IsQueued => Volatile.Read(ref _state) == Queued;

    public bool IsCancelled => Volatile.Read(ref _state) == Cancelled;

    public bool TryStart() => Interlocked.CompareExchange(ref _state, Running, Queued) == Queued;

    public bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;

    /// <summary>A turn of a running item to take a slot again, queued with <paramref name="priority"/>.</summary>
    public static DownloadQueueItem ForTurn(DownloadPriority priority) => new(priority);
}
