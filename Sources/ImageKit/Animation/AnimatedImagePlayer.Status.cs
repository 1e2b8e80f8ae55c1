using ImageKit.Decoding;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    /// <summary>Whether the player is advancing through frames.</summary>
    public bool IsPlaying
    {
        get
        {
            lock (_lock)
            {
                return _playing;
            }
        }
    }

    /// <summary>The index of the frame due now (the one on screen once it has been decoded).</summary>
    public int CurrentFrameIndex
    {
        get
        {
            lock (_lock)
            {
                return _core.Sequence[_step];
            }
        }
    }

    /// <summary>The loop being played, from 0.</summary>
    public int CurrentLoop
    {
        get
        {
            lock (_lock)
            {
                return _loop;
            }
        }
    }

    /// <summary>What the player has done so far.</summary>
    public PlayerStatistics Statistics
    {
        get
        {
            var samples = _core.DecodeSamples();
            Array.Sort(samples);
            lock (_lock)
            {
                return new PlayerStatistics(
                    _framesShown,
                    _framesSkipped,
                    _loopsCompleted,
                    _core.DecodeErrors,
                    Percentile(samples, 0.50),
                    Percentile(samples, 0.99),
                    _core.Buffer.BufferedBytes,
                    _core.Buffer.PeakBytes);
            }
        }
    }

    /// <summary>
    /// Returns a lease on the frame on screen, owned by the caller (dispose it), or <see langword="null"/> before the first
    /// frame has been decoded. A method rather than a property because every call hands out a lease to dispose.
    /// </summary>
    public ImageFrame? GetCurrentFrame()
    {
        lock (_lock)
        {
            return _current?.Share();
        }
    }

    internal int BufferedFrameCount => _core.Buffer.Count;

    /// <summary>Drops buffered frames except the one on screen (memory pressure); the buffer refills as playback goes on.</summary>
    public void TrimBuffer() => _core.Buffer.Trim();

    /// <summary>Whether a disposal has told the decode worker to stop (tests).</summary>
    internal bool DecodeWorkerStopping => _worker.IsStopping;

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
