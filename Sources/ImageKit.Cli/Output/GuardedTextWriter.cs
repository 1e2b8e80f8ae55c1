namespace ImageKit.Cli.Output;

/// <summary>
/// Wraps the writer of standard output or standard error so that a failed write (a descriptor the caller closed, a
/// device that refuses writes) never ends the process with an unhandled exception. On standard output the failure
/// becomes an <see cref="OutputClosedException"/> that <see cref="CliApp"/> reports on stderr with exit code 2. On
/// standard error there is nowhere left to report it: the line is dropped, and so is everything after it, and the exit
/// code still tells what happened. A closed pipe (<c>| head -c 1</c>) never gets here: .NET ignores that error itself.
/// The guarded writer stays the caller's (<see cref="Console.Out"/>, a test's <see cref="StringWriter"/>): disposing
/// this one leaves it open.
/// </summary>
internal sealed class GuardedTextWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly bool _dropFailures;
    private volatile bool _broken;

    private GuardedTextWriter(TextWriter inner, bool dropFailures)
        : base(inner.FormatProvider)
    {
        _inner = inner;
        _dropFailures = dropFailures;
        CoreNewLine = inner.NewLine.ToCharArray();
    }

    /// <summary>Guards standard output: a failed write throws <see cref="OutputClosedException"/>.</summary>
    public static GuardedTextWriter ForOutput(TextWriter inner) => new(inner, dropFailures: false);

    /// <summary>Guards standard error: a failed write, and every write after it, is dropped.</summary>
    public static GuardedTextWriter ForErrors(TextWriter inner) => new(inner, dropFailures: true);

    public override System.Text.Encoding Encoding => _inner.Encoding;

    public override void Write(char value) => Guard(value, static (w, v) => w.Write(v));

    public override void Write(char[] buffer, int index, int count) => Guard((buffer, index, count), static (w, v) => w.Write(v.buffer, v.index, v.count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(buffer.ToString());

    public override void Write(string? value) => Guard(value, static (w, v) => w.Write(v));

    public override void WriteLine() => Guard(0, static (w, _) => w.WriteLine());

    public override void WriteLine(ReadOnlySpan<char> buffer) => WriteLine(buffer.ToString());

    public override void WriteLine(string? value) => Guard(value, static (w, v) => w.WriteLine(v));

    public override void Flush() => Guard(0, static (w, _) => w.Flush());

    public override Task WriteAsync(char value) => GuardAsync(value, static (w, v) => w.WriteAsync(v));

    public override Task WriteAsync(string? value) => GuardAsync(value, static (w, v) => w.WriteAsync(v));

    public override Task WriteAsync(char[] buffer, int index, int count) =>
        GuardAsync((buffer, index, count), static (w, v) => w.WriteAsync(v.buffer, v.index, v.count));

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) =>
        GuardAsync((buffer, cancellationToken), static (w, v) => w.WriteAsync(v.buffer, v.cancellationToken));

    public override Task WriteLineAsync() => GuardAsync(0, static (w, _) => w.WriteLineAsync());

    public override Task WriteLineAsync(char value) => GuardAsync(value, static (w, v) => w.WriteLineAsync(v));

    public override Task WriteLineAsync(string? value) => GuardAsync(value, static (w, v) => w.WriteLineAsync(v));

    public override Task WriteLineAsync(char[] buffer, int index, int count) =>
        GuardAsync((buffer, index, count), static (w, v) => w.WriteLineAsync(v.buffer, v.index, v.count));

    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) =>
        GuardAsync((buffer, cancellationToken), static (w, v) => w.WriteLineAsync(v.buffer, v.cancellationToken));

    public override Task FlushAsync() => GuardAsync(0, static (w, _) => w.FlushAsync());

    public override Task FlushAsync(CancellationToken cancellationToken) => GuardAsync(cancellationToken, static (w, v) => w.FlushAsync(v));

    private void Guard<T>(T value, Action<TextWriter, T> write)
    {
        if (_broken && _dropFailures)
        {
            return;
        }

        try
        {
            write(_inner, value);
        }
        catch (Exception e) when (IsWriteFailure(e))
        {
            Fail(e);
        }
    }

    private async Task GuardAsync<T>(T value, Func<TextWriter, T, Task> write)
    {
        if (_broken && _dropFailures)
        {
            return;
        }

        try
        {
            await write(_inner, value).ConfigureAwait(false);
        }
        catch (Exception e) when (IsWriteFailure(e))
        {
            Fail(e);
        }
    }

    // What a console stream throws for a descriptor that cannot be written: EBADF comes as UnauthorizedAccessException.
    private static bool IsWriteFailure(Exception e) => e is IOException or UnauthorizedAccessException or NotSupportedException;

    private void Fail(Exception e)
    {
        _broken = true;
        if (!_dropFailures)
        {
            throw new OutputClosedException(e);
        }
    }
}
