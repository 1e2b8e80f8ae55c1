namespace ImageKit.Loading.Internal;

/// <summary>A running download's slot lent out for a retry's wait, and its turn to take one again.</summary>
internal sealed partial class DownloadQueue
{
    /// <summary>
    /// Gives the slot of a running <paramref name="item"/> to the next queued one (or back) while it waits for a retry;
    /// it takes one again with <see cref="TakeBackAsync"/> before its next attempt. No-op when it has lent its slot already.
    /// </summary>
    public void Lend(DownloadQueueItem item)
    {
        if (item.SlotLent)
        {
            return;
        }

        item.SlotLent = true;
        Interlocked.Decrement(ref _active);
        FreeSlot();
    }

    /// <summary>
    /// Takes a slot again for a running <paramref name="item"/> that lent its own (at once when one is free): before any
    /// request of its priority (what <paramref name="priorityOf"/> says, its own when <see langword="null"/>; raised and
    /// lowered as its callers come and go, through <see cref="Promote"/> and <see cref="Reprioritize"/>) that has not started, as it has had its turn already and any later request
    /// would otherwise delay its end again, in either execution order; behind earlier turns of that priority, and behind
    /// more urgent requests. Completes at once when the item holds its slot.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, or the queue completed, first.</exception>
    public ValueTask TakeBackAsync(DownloadQueueItem item, Func<DownloadPriority?> priorityOf, CancellationToken cancellationToken) =>
        item.SlotLent ? new ValueTask(WaitForTurnAsync(item, priorityOf, cancellationToken)) : ValueTask.CompletedTask;

    private async Task WaitForTurnAsync(DownloadQueueItem item, Func<DownloadPriority?> priorityOf, CancellationToken cancellationToken)
    {
        var turn = DownloadQueueItem.ForTurn(item.Priority);
        Interlocked.Increment(ref _queued);
        turn.Registration = cancellationToken.UnsafeRegister(
            static (state, _) =>
            {
                var (queue, queued) = ((DownloadQueue, DownloadQueueItem))state!;
                queue.Cancel(queued);
            },
            (this, turn));

        var startNow = false;
        var completed = false;
        lock (_lock)
        {
            if (_completed)
            {
                completed = true;
            }
            else if (!turn.IsCancelled)
            {
                startNow = _slotsInUse < _maxConcurrent;
                if (startNow)
                {
                    _slotsInUse++;
                }
                else
                {
                    // Asked under the lock, as Reprioritize does: a caller who joins after it was asked raises the turn
                    // (Promote) once it is queued.
                    turn.Priority = priorityOf() ?? item.Priority;
                    turn.Node = _returning[(int)turn.Priority].AddLast(turn);
                    turn.Owner = item;
                    item.Turn = turn;
                }
            }
        }

        if (completed)
        {
            turn.Registration.Dispose();
            if (turn.TryCancel())
            {
                Interlocked.Decrement(ref _queued);
            }

            throw new OperationCanceledException(cancellationToken);
        }

        if (startNow)
        {
            if (turn.TryStart())
            {
                Start(turn, inline: true);
            }
            else
            {
                FreeSlot(); // cancelled in the meantime
            }
        }

        // Cancelled (by the token) unless it was given a slot: then the slot is the item's again, whatever the token says.
        await turn.Granted!.Task.ConfigureAwait(false);
        item.SlotLent = false;
    }

    // Under _lock: a queued turn to the end of the turns of priority (it still goes before the requests of that priority).
    private void MoveTurn(DownloadQueueItem turn, DownloadPriority priority)
    {
        if (turn.Node?.List is { } list)
        {
            list.Remove(turn.Node);
            turn.Priority = priority;
            turn.Node = _returning[(int)priority].AddLast(turn);
        }
    }
}
