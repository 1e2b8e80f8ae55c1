namespace ImageKit.Cli;

/// <summary>A failure the CLI reports as bad input: exit code 2 and one line on stderr.</summary>
internal sealed class CliException(string? sourceName, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public string? SourceName { get; } = sourceName;

    /// <summary>Whether this is a usage error: its line then points to the help of the command it was met in.</summary>
    public bool IsUsage { get; private init; }

    /// <summary>A usage error a command finds itself (options that cannot go together, a missing input), reported as
    /// <c>imagekit: usage: &lt;message&gt; (see 'imagekit &lt;command&gt; --help')</c> like the parser's own.</summary>
    public static CliException Usage(string message) => new(null, "usage: " + message) { IsUsage = true };
}
