using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageKit.Diagnostics.Internal;

/// <summary>
/// The app's logger with what it throws dropped: a logger that fails is the app's bug, and a load must end as it would
/// without it (its result, or its own exception), not with the logger's exception.
/// </summary>
internal sealed class ContainedLogger(ILogger inner) : ILogger
{
    /// <summary>The logger of <paramref name="category"/> from <paramref name="loggerFactory"/>, contained; none without a factory.</summary>
    public static ILogger Create(ILoggerFactory? loggerFactory, string category) =>
        loggerFactory is null ? NullLogger.Instance : new ContainedLogger(loggerFactory.CreateLogger(category));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        try
        {
            return inner.BeginScope(state);
        }
#pragma warning disable CA1031 // See the class: what the app's logger throws is dropped.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return inner.IsEnabled(logLevel);
        }
#pragma warning disable CA1031 // See the class.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
#pragma warning disable CA1031 // See the class.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
        }
    }
}
