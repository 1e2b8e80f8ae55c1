namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// A clock whose wall time the test sets at will (back as well as forward, which <c>FakeTimeProvider</c> refuses) and
/// whose monotonic time moves only by <see cref="Elapse"/>; its timers are real. For what a wall clock set wrong and
/// then right does to code that should measure durations on the monotonic clock.
/// </summary>
internal sealed class SteppingClock(DateTimeOffset wall) : TimeProvider
{
    private long _ticks;

    public DateTimeOffset Wall { get; set; } = wall;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => Wall;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    /// <summary>Lets <paramref name="time"/> pass, on both clocks.</summary>
    public void Elapse(TimeSpan time)
    {
        Interlocked.Add(ref _ticks, time.Ticks);
        Wall += time;
    }
}
