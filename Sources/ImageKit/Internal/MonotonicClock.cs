namespace ImageKit.Internal;

/// <summary>
/// A clock whose UTC time moves only as the monotonic timestamp of the clock it wraps does, from the wall time it read
/// when created. Polly times its circuit breaker (the break, the health window) with <see cref="TimeProvider.GetUtcNow"/>:
/// given the wall clock, a clock set back by a year while a circuit was open kept it open for that year, and one set
/// forward cut the break short. Timestamps and timers are the wrapped clock's, so a fake clock in tests drives it as
/// before.
/// </summary>
internal sealed class MonotonicClock : TimeProvider
{
    private readonly TimeProvider _clock;
    private readonly DateTimeOffset _origin;
    private readonly long _originTimestamp;

    public MonotonicClock(TimeProvider clock)
    {
        _clock = clock;
        _origin = clock.GetUtcNow();
        _originTimestamp = clock.GetTimestamp();
    }

    public override long TimestampFrequency => _clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _clock.LocalTimeZone;

    public override DateTimeOffset GetUtcNow() => _origin + _clock.GetElapsedTime(_originTimestamp);

    public override long GetTimestamp() => _clock.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => _clock.CreateTimer(callback, state, dueTime, period);
}
