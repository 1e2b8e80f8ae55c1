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
        context.Properties.Set(IsTrial, circuit.CircuitState == CircuitState.HalfOpen);
        return callback(context, state);
    }
}
