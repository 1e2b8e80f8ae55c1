using ImageKit.Decoding.Internal;

namespace ImageKit.Decoding;

// Frame durations: an animation's in its FrameTables, a still's one in fields of the image (no arrays unless its
// FrameDurations are read, then the same ones every time).
public sealed partial class AnimatedImage
{
    /// <summary>The length of one play: the sum of <see cref="EffectiveFrameDurations"/>.</summary>
    /// <remarks>Saturates at <see cref="TimeSpan.MaxValue"/> (durations a custom policy made huge).</remarks>
    public TimeSpan TotalDuration
    {
        get
        {
            var sum = TimeSpan.Zero;
            foreach (var d in _frameCount == 1 ? new ReadOnlySpan<TimeSpan>(in _firstEffectiveDuration) : Tables.EffectiveDurations)
            {
                sum = sum > TimeSpan.MaxValue - d ? TimeSpan.MaxValue : sum + d;
            }

            return sum;
        }
    }

    /// <summary>Frame <paramref name="index"/>'s <see cref="FrameDurations"/> entry, without making a still's tables.</summary>
    internal TimeSpan FrameDuration(int index) => _frameCount == 1 ? _firstDuration : Tables.Durations[index];

    /// <summary>Frame <paramref name="index"/>'s <see cref="EffectiveFrameDurations"/> entry, without making a still's tables.</summary>
    internal TimeSpan EffectiveFrameDuration(int index) => _frameCount == 1 ? _firstEffectiveDuration : Tables.EffectiveDurations[index];

    // An animation's tables, made with it; a still's made the first time they are needed (its durations read, by any
    // thread: every caller gets the same tables).
    private FrameTables Tables => Volatile.Read(ref _tables) ?? MakeStillTables();

    private FrameTables MakeStillTables()
    {
        var made = new FrameTables([_firstDuration], [_firstEffectiveDuration]);
        return Interlocked.CompareExchange(ref _tables, made, null) ?? made;
    }

    private ImageFrame NewFrame(PixelBuffer buffer, int index) =>
        new(buffer, index, PixelWidth, PixelHeight, FrameDuration(index), EffectiveFrameDuration(index));
}
