namespace ImageKit.Cli.Output;

/// <summary>
/// Stands for a standard descriptor the caller closed (see <see cref="StandardDescriptors"/>): every write fails as the
/// system fails a write to a closed descriptor, so <see cref="GuardedTextWriter"/> reports it as it reports
/// <c>imagekit inspect cat.gif &gt;&amp;-</c> when no other descriptor took the number.
/// </summary>
internal sealed class ClosedDescriptorWriter : TextWriter
{
    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

    public override void Write(char value) => throw Closed();

    public override void Write(char[] buffer, int index, int count) => throw Closed();

    public override void Write(string? value) => throw Closed();

    public override void Write(ReadOnlySpan<char> buffer) => throw Closed();

    private static IOException Closed() => new("Bad file descriptor");
}
