using Microsoft.Extensions.Logging;

namespace ImageKit.Cli.Diagnostics;

/// <summary>
/// A minimal console logger for <c>--verbose</c>: one line per message on stderr (stdout stays clean for <c>--json</c>),
/// <c>level: category[event id] message</c>, as Microsoft's simple console formatter writes it but on one line.
/// </summary>
internal sealed class StderrLoggerFactory(TextWriter stderr, LogLevel minimumLevel) : ILoggerFactory
{
    private readonly Lock _lock = new();
    private readonly LogLevel _minimumLevel = minimumLevel;

    public ILogger CreateLogger(string categoryName) => new StderrLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        // Loads run concurrently; a lock keeps lines whole on a shared writer.
        lock (_lock)
        {
            stderr.WriteLine(line);
        }
    }

    private static string Abbreviation(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class StderrLogger(StderrLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= factory._minimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            // Messages hold URLs and servers' words: shown, not obeyed by the terminal.
            var message = TerminalText.Printable(formatter(state, exception).ReplaceLineEndings(" "));
            factory.Write($"{Abbreviation(logLevel)}: {category}[{eventId.Id}] {message}");
        }
    }
}
