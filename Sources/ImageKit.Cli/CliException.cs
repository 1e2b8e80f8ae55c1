namespace ImageKit.Cli;

/// <summary>A failure the CLI reports as bad input: exit code 2 and one line on stderr.</summary>
internal sealed class CliException(string? sourceName, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public string? SourceName { get; } = sourceName;
}
