using System.Diagnostics;
using System.Globalization;

namespace ImageKit.Display;

/// <summary>
/// A display link driven by a high-resolution timer, for every OS (and macOS without a display): while it has
/// subscribers, one dedicated background thread named <c>ImageKit.DisplayLink</c> ticks at <see cref="FrequencyHz"/>;
/// with none, there is no thread at all.
/// </summary>
/// <remarks>
/// <para>
/// <b>Pacing.</b> Ticks fall on a fixed grid (start + n × period), so timing error never accumulates. The thread sleeps
/// until shortly before each grid point and spins only for the last millisecond or so: precise ticks at little CPU. A tick
/// that is late by more than a period is not made up for: the link skips to the next grid point instead of delivering a
/// burst of stale ticks.
/// </para>
/// <para>
/// <b>Timestamps.</b> <see cref="DisplayLinkTick.Timestamp"/> is when the tick actually happened and
/// <see cref="DisplayLinkTick.TargetTimestamp"/> the next grid point, both on the <see cref="Stopwatch"/>
/// clock (on macOS that is the host clock CoreVideo uses too).
/// </para>
/// </remarks>
public sealed partial class TimerDisplayLinkProvider : DisplayLinkProvider
{
    // Beyond this a "display link" is a busy loop, and a typo (60_000 for 60) should fail loudly rather than burn a core.
    private const double MaxFrequencyHz = 1000;

    // One tick a day at the slowest: below that the period no longer fits a timer.
    private const double MinFrequencyHz = 1.0 / 86_400;

    private readonly TimerLink _link;

    /// <summary>Creates a provider whose link ticks <paramref name="frequencyHz"/> times per second.</summary>
    /// <param name="frequencyHz">Ticks per second, at least one a day (1/86,400) and at most 1,000. <value>Default: 60.</value></param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frequencyHz"/> is not in [1/86,400, 1000].</exception>
    public TimerDisplayLinkProvider(double frequencyHz = 60)
    {
        if (!(frequencyHz >= MinFrequencyHz && frequencyHz <= MaxFrequencyHz))
        {
            throw new ArgumentOutOfRangeException(
                nameof(frequencyHz),
                frequencyHz,
                string.Create(CultureInfo.InvariantCulture, $"The frequency must be at least one tick a day (1/86,400 Hz) and at most {MaxFrequencyHz} Hz."));
        }

        FrequencyHz = frequencyHz;
        _link = new TimerLink(frequencyHz);
    }

    /// <summary>Ticks per second.</summary>
    public double FrequencyHz { get; }

    /// <summary>Grid points skipped because the thread fell more than a period behind (a slow target, a stalled machine).</summary>
    internal long SkippedTicks => _link.SkippedTicks;

    /// <inheritdoc/>
    public override DisplayLink GetDisplayLink()
    {
        ObjectDisposedException.ThrowIf(_link.Disposed, this);
        return _link;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _link.Dispose();
        }

        base.Dispose(disposing);
    }
}
