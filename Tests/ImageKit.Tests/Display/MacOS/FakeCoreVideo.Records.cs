namespace ImageKit.Tests.Display.MacOS;

// What the fake saw: the calls in order, the contract breaches, and each callback's autorelease-pool balance.
internal sealed partial class FakeCoreVideo
{
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_lock)
            {
                return [.. _violations];
            }
        }
    }

    public IReadOnlyList<CallbackRecord> Callbacks
    {
        get
        {
            lock (_lock)
            {
                return [.. _callbacks];
            }
        }
    }

    public int Count(string call) => Calls.Count(c => c == call);

    /// <summary>Where <paramref name="call"/> first happened in <see cref="Calls"/>, or -1.</summary>
    public int IndexOf(string call) => Calls.ToList().IndexOf(call);

    private void Record(string call, IntPtr? displayLink = null)
    {
        lock (_lock)
        {
            _calls.Add(call);
            if (displayLink is { } link && link != DisplayLinkRef)
            {
                _violations.Add($"{call} on an unknown link {link}");
            }

            // The autorelease pool belongs to the Objective-C runtime, not the link: a late callback may push one.
            if (_released && call is not ("Release" or "Push" or "Pop"))
            {
                _violations.Add($"{call} after Release");
            }

            // ImageKit's own rule: a callback touches CoreVideo only for its autorelease pool, so nothing CoreVideo may
            // hold around the callback can be waited for from inside it.
            if (t_inCallback && call is not ("Push" or "Pop"))
            {
                _violations.Add($"{call} inside a callback");
            }
        }
    }

    private void Violation(string violation)
    {
        lock (_lock)
        {
            _violations.Add(violation);
        }
    }

    /// <summary>One callback: what it returned, the pools it pushed and popped, and pools still open on the thread after it.</summary>
    public readonly record struct CallbackRecord(int Result, int Pushes, int Pops, int OpenPools);
}
