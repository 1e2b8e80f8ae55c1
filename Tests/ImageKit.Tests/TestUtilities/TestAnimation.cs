using ImageKit.Decoding;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// A synthetic animation for player tests: frame i is a solid canvas whose every byte is i, shown for the given duration.
/// Decoding a frame can be held back until the test allows it, to simulate a decoder that falls behind.
/// </summary>
internal sealed class TestAnimation : AnimatedImageSource
{
    private readonly TimeSpan _duration;
    private readonly object _gate = new();
    private readonly HashSet<int> _allowed = [];
    private readonly HashSet<int> _waitingFor = [];
    private bool _gated;

    public TestAnimation(int frameCount, TimeSpan duration, int loopCount = 0, int width = 8, int height = 8)
    {
        FrameCount = frameCount;
        _duration = duration;
        LoopCount = loopCount;
        PixelWidth = width;
        PixelHeight = height;
    }

    public override ImageFormat Format => ImageFormat.Gif;

    public override int PixelWidth { get; }

    public override int PixelHeight { get; }

    public override int FrameCount { get; }

    public override int LoopCount { get; }

    public override bool HasAlpha => false;

    public int Renders { get; private set; }

    public static AnimatedImage Image(int frameCount, int durationMs = 100, int loopCount = 0) =>
        new(new TestAnimation(frameCount, TimeSpan.FromMilliseconds(durationMs), loopCount), ReadOnlyMemory<byte>.Empty);

    public static (AnimatedImage Image, TestAnimation Source) Gated(int frameCount, int durationMs = 100, int loopCount = 0)
    {
        var source = new TestAnimation(frameCount, TimeSpan.FromMilliseconds(durationMs), loopCount) { _gated = true };
        return (new AnimatedImage(source, ReadOnlyMemory<byte>.Empty), source);
    }

    /// <summary>Lets frames decode (a gated animation decodes nothing until allowed).</summary>
    public void Allow(params int[] frames)
    {
        lock (_gate)
        {
            _allowed.UnionWith(frames);
            Monitor.PulseAll(_gate);
        }
    }

    public void AllowAll() => Allow([.. Enumerable.Range(0, FrameCount)]);

    /// <summary>Whether a decode of frame <paramref name="index"/> is waiting at the gate now.</summary>
    public bool IsWaitingFor(int index)
    {
        lock (_gate)
        {
            return _waitingFor.Contains(index);
        }
    }

    public override TimeSpan GetFrameDuration(int index) => _duration;

    public override int GetRequiredFrame(int index) => -1;

    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        if (_gated)
        {
            lock (_gate)
            {
                _waitingFor.Add(index);
                while (!_allowed.Contains(index))
                {
                    Monitor.Wait(_gate);
                }

                _waitingFor.Remove(index);
            }
        }

        Renders++;
        canvas.Fill((byte)index);
    }
}
