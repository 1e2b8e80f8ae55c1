using Microsoft.Extensions.Logging;

namespace ImageKit.Loading.Internal;

/// <summary>
/// A token cancelled when another one is, for code of the app (a request modifier, a message handler) to register on:
/// what its callbacks throw when it is cancelled is logged here, and never reaches whoever cancelled the other token.
/// </summary>
/// <remarks>
/// A linked token source would hand the callbacks' <see cref="AggregateException"/> to the canceller: to
/// <see cref="ImageDownloader.Dispose"/>, to the last caller leaving a download, and to the attempt timeout's timer, on
/// whose thread it is an unhandled exception that ends the process.
/// </remarks>
internal sealed class ShieldedCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly ILogger _logger;
    private readonly CancellationTokenRegistration _link;

    /// <param name="logger">Where the callbacks' failures go.</param>
    /// <param name="outer">The token to follow.</param>
    public ShieldedCancellation(ILogger logger, CancellationToken outer)
    {
        _logger = logger;
        Token = _source.Token;

        // Runs at once when outer is already cancelled: nothing is registered on Token yet then.
        _link = outer.UnsafeRegister(static state => ((ShieldedCancellation)state!).Cancel(), this);
    }

    /// <summary>The token to hand to the app's code.</summary>
    public CancellationToken Token { get; }

    /// <summary>Stops following the outer token (waiting for a cancellation under way on another thread) and releases the source.</summary>
    public void Dispose()
    {
        _link.Dispose();
        _source.Dispose();
    }

    private void Cancel()
    {
        try
        {
            _source.Cancel();
        }
        catch (AggregateException e)
        {
            // Every callback has run all the same; the canceller goes on as if none had thrown.
            RequestCoalescer.LogCancellationCallbackFailures(_logger, e);
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended and disposed this in between: nothing is listening any more.
        }
    }
}
