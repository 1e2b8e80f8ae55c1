using Microsoft.Extensions.Logging;

namespace ImageKit.Tests.TestUtilities;

/// <summary>An app's broken logger: every logger it makes throws when asked to log one event, and logs nothing else.</summary>
internal sealed class ThrowingOnEventLoggerProvider(int eventId) : ILoggerProvider
{
    private readonly int _eventId = eventId;
    private int _throws;

    /// <summary>How many times a logger threw.</summary>
    public int Throws => Volatile.Read(ref _throws);

    public ILogger CreateLogger(string categoryName) => new ThrowingLogger(this);

    public void Dispose()
    {
    }

    private sealed class ThrowingLogger(ThrowingOnEventLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == owner._eventId)
            {
                Interlocked.Increment(ref owner._throws);
                throw new InvalidOperationException($"logger bug on event {eventId.Id}");
            }
        }
    }
}
