using System.Diagnostics;
using ImageKit.Decoding;

namespace ImageKit.Animation.Internal;

/// <summary>
/// What a player's decode worker needs, and nothing that leads back to the player: the image, the buffer, the playback
/// order and where the playhead is. The player holds the core; the core holds the player only weakly, so an undisposed
/// player that nobody references is collected even while its worker is between frames.
/// </summary>
internal sealed class PlaybackCore
{
    private const int MaxDecodeSamples = 4096;

    private readonly WeakReference<AnimatedImagePlayer> _owner;
    private readonly Lock _samplesLock = new();
    private readonly List<double> _decodeMilliseconds = [];
    private readonly HashSet<int> _failed = [];

    // Frames that failed for a reason other than their bytes (a failed allocation, a source's I/O), guarded by _failed:
    // skipped like failed ones until the player forgets them (a new loop, a Play), then decoded again.
    private readonly HashSet<int> _failedTransiently = [];
    private AnimatedImage? _image;
    private int[] _sequence;
    private int _playheadStep;
    private bool _idle;
    private long _decodeErrors;
    private long _workerFailures;

    public PlaybackCore(AnimatedImagePlayer owner, AnimatedImage image, FrameBuffer buffer, int[] sequence)
    {
        _owner = new WeakReference<AnimatedImagePlayer>(owner);
        _image = image;
        Buffer = buffer;
        _sequence = sequence;
    }

    /// <summary>The image, until the player is disposed (a disposed player kept somewhere must not keep the image alive).</summary>
    public AnimatedImage? Image => Volatile.Read(ref _image);

    /// <summary>Called by the player's Dispose once the worker has stopped.</summary>
    public void ReleaseImage() => Volatile.Write(ref _image, null);

    public FrameBuffer Buffer { get; }

    public long DecodeErrors => Interlocked.Read(ref _decodeErrors);

    /// <summary>Times the decode worker ended on an unexpected exception (a bug, not a bad frame); for tests.</summary>
    public long WorkerFailures => Interlocked.Read(ref _workerFailures);

    public void RecordWorkerFailure() => Interlocked.Increment(ref _workerFailures);

    public int[] Sequence
    {
        get => Volatile.Read(ref _sequence);
        set => Volatile.Write(ref _sequence, value);
    }

    public void SetPlayhead(int step) => Volatile.Write(ref _playheadStep, step);

    /// <summary>
    /// While stopped with a cleared buffer, decode only the frame on screen, so a stopped player holds one frame at most.
    /// </summary>
    public bool Idle
    {
        get => Volatile.Read(ref _idle);
        set => Volatile.Write(ref _idle, value);
    }

    public bool HasFailed(int index)
    {
        lock (_failed)
        {
            return _failed.Contains(index) || _failedTransiently.Contains(index);
        }
    }

    /// <summary>
    /// Lets the frames that failed for a reason other than their bytes be decoded again: called by the player when a new
    /// loop begins and when playback starts, so that such a frame is tried once a loop at most.
    /// </summary>
    public void ForgetTransientFailures()
    {
        lock (_failed)
        {
            _failedTransiently.Clear();
        }
    }

    /// <summary>
    /// The frames the buffer should hold, nearest the playhead first: the next <see cref="FrameBuffer.CapacityFrames"/>
    /// frames of the playback order (a frame that recurs, as in bounce modes, is listed once, at its nearest step, and
    /// counts once: a buffer with room for every frame wants every frame in any order).
    /// </summary>
    public int[] UpcomingFrames()
    {
        var sequence = Sequence;
        var step = Volatile.Read(ref _playheadStep) % sequence.Length;
        var window = Idle ? 1 : Buffer.CapacityFrames;
        var order = new List<int>(Math.Min(window, sequence.Length));
        for (var k = 0; k < sequence.Length && order.Count < window; k++)
        {
            var frame = sequence[(step + k) % sequence.Length];
            if (!order.Contains(frame))
            {
                order.Add(frame);
            }
        }

        return [.. order];
    }

    /// <summary>Decodes the next frame the buffer lacks, nearest the playhead first; returns false when there is nothing to do.</summary>
    public bool DecodeNext()
    {
        if (!_owner.TryGetTarget(out _))
        {
            return false; // the player was dropped without being disposed: nobody will show these frames
        }

        // Null only once the player's Dispose has stopped the worker; until then the player's lease keeps the image alive.
        if (Image is not { } image)
        {
            return false;
        }

        var order = UpcomingFrames();

        // The frames behind the playhead go first: a full budget would otherwise refuse the next frames while they still
        // hold their charges, and the buffer would drain to the frame on screen before decoding again.
        Buffer.Retain(order);
        foreach (var index in order)
        {
            if (Buffer.Contains(index) || HasFailed(index))
            {
                continue;
            }

            if (!Buffer.WouldAccept(index, order))
            {
                // The buffer is full of frames nearer the playhead than this one, or the budget is: but a frame another
                // player of the image holds costs the budget nothing and needs no decode.
                return image.TryGetFrameWithoutDecoding(index) is { } held
                    && Add(index, held, order);
            }

            var watch = Stopwatch.StartNew();
            ImageFrame frame;
            try
            {
                frame = image.GetFrame(index);
            }
            catch (Exception e) when (e is not ObjectDisposedException || !image.IsDisposed)
            {
                // Not only ImageDecodingException: an application's source, or a failed allocation, fails this frame only.
                // So does an ObjectDisposedException from a source (an object of its own it lost): only the image's own,
                // once released (which the player's lease prevents), means that nothing more can be decoded. Broken bytes
                // or a transformer's refusal (ImageKitException) fail again every time: never retried. Anything else (out
                // of memory, a source's I/O) may pass later: retried in the next loop or at the next Play.
                lock (_failed)
                {
                    (e is ImageKitException ? _failed : _failedTransiently).Add(index);
                }

                Interlocked.Increment(ref _decodeErrors);
                return true;
            }

            RecordDecode(watch.Elapsed.TotalMilliseconds);
            return Add(index, frame, order);
        }

        return false;
    }

    // Hands `frame` to the buffer; false when the buffer is full of frames still ahead of the playhead.
    private bool Add(int index, ImageFrame frame, int[] order)
    {
        if (!Buffer.TryAdd(index, frame, order))
        {
            return false;
        }

        if (_owner.TryGetTarget(out var owner))
        {
            owner.OnFrameDecoded(index);
        }

        return true;
    }

    public double[] DecodeSamples()
    {
        lock (_samplesLock)
        {
            return [.. _decodeMilliseconds];
        }
    }

    private void RecordDecode(double milliseconds)
    {
        lock (_samplesLock)
        {
            if (_decodeMilliseconds.Count < MaxDecodeSamples)
            {
                _decodeMilliseconds.Add(milliseconds);
            }
            else
            {
                _decodeMilliseconds[Random.Shared.Next(MaxDecodeSamples)] = milliseconds;
            }
        }
    }
}
