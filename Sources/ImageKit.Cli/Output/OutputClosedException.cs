namespace ImageKit.Cli.Output;

/// <summary>
/// Standard output could not be written: its descriptor was closed (<c>imagekit inspect cat.gif &gt;&amp;-</c>) or refuses
/// writes. Deliberately not an <see cref="IOException"/>, so that no command's handler for a file's I/O errors takes it
/// for one; <see cref="CliApp"/> reports it as bad input.
/// </summary>
internal sealed class OutputClosedException(Exception innerException)
    : Exception("cannot write to standard output", innerException)
{
    /// <summary>The system's reason, e.g. "Bad file descriptor" (.NET wraps that one in an "access denied" exception).</summary>
    public string Reason
    {
        get
        {
            var cause = InnerException!;
            while (cause is UnauthorizedAccessException { InnerException: { } inner })
            {
                cause = inner;
            }

            return cause.Message.TrimEnd('.');
        }
    }
}
