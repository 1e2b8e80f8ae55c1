using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using ImageKit.Internal;

namespace ImageKit.Cli.Input;

/// <summary>
/// <c>@file</c> arguments (response files) read as the parser reads them (one or more arguments a line, blank lines and
/// <c>#</c> comments skipped), but bounded: a file that never ends (<c>@/dev/zero</c>) or is huge is bad input, not a
/// process that runs out of memory, and a folder or an unreadable file is an error line, not an unhandled exception.
/// </summary>
internal static class ResponseFiles
{
    /// <summary>The largest response file read.</summary>
    public const long MaxBytes = 1024 * 1024;

    // Every error this reader reports names the file as a response file.
    private const string Noun = "response file";

    /// <summary>Whether a parse error is one this reader reported (an @file it could not read).</summary>
    public static bool Reported(string message) => message.Contains(Noun, StringComparison.Ordinal);

    /// <summary>The parser's configuration, with this reader for response files.</summary>
    public static ParserConfiguration Configuration { get; } = new() { ResponseFileTokenReplacer = TryRead };

    private static bool TryRead(string path, out IReadOnlyList<string>? tokens, out string? error)
    {
        tokens = null;
        error = null;
        byte[] bytes;
        try
        {
            if (Directory.Exists(path))
            {
                error = $"{path}: is a directory, not a {Noun}";
                return false;
            }

            bytes = BoundedFileReader.Read(path, MaxBytes, TooLarge);
        }
        catch (CliException e)
        {
            error = $"{path}: {e.Message}";
            return false;
        }
        catch (Exception e) when (FileReadFailure.Describe(e) is { } reason)
        {
            error = $"{path}: cannot read the {Noun}: {reason}";
            return false;
        }

        var arguments = new List<string>();
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        while (reader.ReadLine() is { } line)
        {
            var text = line.Trim();
            if (text.Length > 0 && text[0] != '#')
            {
                arguments.AddRange(CommandLineParser.SplitCommandLine(text));
            }
        }

        tokens = arguments;
        return true;

        Exception TooLarge(long? length) => new CliException(path, string.Create(CultureInfo.InvariantCulture, $"the file has more than the {MaxBytes:N0} bytes a {Noun} may have"));
    }
}
