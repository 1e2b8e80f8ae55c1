using Polly;
using Polly.CircuitBreaker;

namespace ImageKit.Loading.Internal;

/// <summary>
/// Marks in the resilience context whether the attempt about to run is a half-open circuit's trial (the one execution the
/// breaker lets through then). Placed inside the circuit breaker, so it runs once per attempt, after the breaker's check:
/// the breaker's predicate then counts a cancelled trial as a failure, but not the cancellation of an attempt that began
/// while the circuit was still closed and only ended while it was half-open, which never was the trial.
/// </summary>
internal sealed class TrialMarkStrategy(CircuitBreakerStateProvider circuit) : ResilienceStrategy
{
    /// <summary>Set to <see langword="true"/> for a trial attempt.</summary>
    public static readonly ResiliencePropertyKey<bool> IsTrial = new("ImageKit.IsCircuitTrial");

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        // Written only when it is a trial, or to undo an earlier attempt's mark (a retry reuses the context): most attempts
        // box nothing.
        var trial = circuit.CircuitState == CircuitState.HalfOpen;
        if (trial || context.Properties.TryGetValue(IsTrial, out _))
        {
            context.Properties.Set(IsTrial, trial);
        }

        return callback(context, state);
    }
}
