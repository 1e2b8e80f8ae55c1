using ImageKit.Caching;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A read of one key on a thread of its own, started from inside a write's transaction (a commit hook): <see cref="Start"/>
/// returns once the reader waits (for the write lock the writing thread holds) or has ended, so the write goes on with
/// the read pending behind it. <see cref="Join"/> then gives what it read or throws what it threw.
/// </summary>
internal sealed class BlockedReader(Func<DiskImageCache> cache, string key, CancellationToken cancellationToken)
{
    private Thread? _thread;
    private DiskCacheEntry? _entry;
    private Exception? _failure;

    /// <summary>Starts the read and waits until it blocks or ends (a waiting thread is in WaitSleepJoin).</summary>
    public void Start()
    {
        _thread = new Thread(() =>
        {
            try
            {
                _entry = cache().GetAsync(key, cancellationToken).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                _failure = e;
            }
        });
        _thread.Start();
        while (_thread.IsAlive && (_thread.ThreadState & ThreadState.WaitSleepJoin) == 0)
        {
            Thread.Sleep(1);
        }
    }

    /// <summary>Waits for the read to end; returns what it read (null for a miss) and fails the test if it threw.</summary>
    public DiskCacheEntry? Join()
    {
        Assert.IsNotNull(_thread, "the read never started");
        _thread.Join();
        Assert.IsNull(_failure, $"the read threw: {_failure}");
        return _entry;
    }
}
