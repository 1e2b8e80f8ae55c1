using System.CommandLine;
using System.CommandLine.Parsing;
using ImageKit.Cli.Commands;
using ImageKit.Cli.Diagnostics;
using ImageKit.Cli.Output;

namespace ImageKit.Cli;

/// <summary>
/// The <c>imagekit</c> command line. Exit codes: 0 success, 1 the job ran but some item failed (fetch), 2 bad input or
/// usage, with exactly one line <c>imagekit: &lt;source&gt;: &lt;reason&gt;</c> on stderr and nothing on stdout.
/// </summary>
internal static partial class CliApp
{
    public const int Success = 0;
    public const int PartialFailure = 1;
    public const int BadInput = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        // Progress bars and animation only on the process's own stdout, and only when that is a terminal.
        var console = ReferenceEquals(stdout, Console.Out);
        Func<bool> isTerminal = () => console && !Console.IsOutputRedirected;

        // A descriptor the caller closed must not end the process with an unhandled exception (exit 134).
        stdout = GuardedTextWriter.ForOutput(stdout);
        stderr = GuardedTextWriter.ForErrors(stderr);

        var root = new RootCommand("ImageKit: load, decode, cache and play animated GIF, WebP and APNG images.")
        {
            DemoCommand.Create(stdout, isTerminal),
            InspectCommand.Create(stdout, stderr),
            PlayCommand.Create(stdout, isTerminal),
            FetchCommand.Create(stdout, isTerminal),
            CacheCommand.Create(stdout),
        };

        // Global options: valid before or after any subcommand. Both write to stderr only, so --json output stays clean.
        var verbose = new Option<bool>("--verbose") { Description = "Log what the pipeline does (loads, downloads, retries, trims) to stderr.", Recursive = true };
        var metrics = new Option<bool>("--metrics") { Description = "Print the totals of ImageKit's metrics to stderr at the end.", Recursive = true };
        root.Options.Add(verbose);
        root.Options.Add(metrics);

        if (EmptyOptionValue(args) is { } empty)
        {
            await stderr.WriteLineAsync(FormatError(empty, "no value after '=' (an empty shell variable?)")).ConfigureAwait(false);
            return BadInput;
        }

        var parseResult = root.Parse(args, Input.ResponseFiles.Configuration);
        if (UsageError(parseResult) is { } usage)
        {
            var message = string.Join(' ', usage.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await stderr.WriteLineAsync($"imagekit: usage: {TerminalText.Printable(message)} (see '{HelpCommandFor(parseResult)}')").ConfigureAwait(false);
            return BadInput;
        }

        var configuration = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
        };

        using var diagnostics = CliDiagnostics.Begin(parseResult.GetValue(verbose), parseResult.GetValue(metrics), stderr);
        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            var message = e.IsUsage ? $"{e.Message} (see '{HelpCommandFor(parseResult)}')" : e.Message;
            await stderr.WriteLineAsync(FormatError(e.SourceName, message)).ConfigureAwait(false);
            return BadInput;
        }
        catch (ImageKitException e)
        {
            await stderr.WriteLineAsync(FormatError(e.SourceName, e.Message)).ConfigureAwait(false);
            return BadInput;
        }
        catch (OutputClosedException e)
        {
            await stderr.WriteLineAsync(FormatError(null, $"{e.Message}: {e.Reason}")).ConfigureAwait(false);
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("imagekit: cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            // A file or folder this run could not use (permissions, a full disk, an I/O error, a cache index SQLite cannot
            // read) that no command turned into a clearer message: still one line and a bad-input exit, never a crash.
            await stderr.WriteLineAsync(FormatError(null, e.Message)).ConfigureAwait(false);
            return BadInput;
        }
        finally
        {
            diagnostics.Report?.WriteTo(stderr);
        }
    }

    // The help of the command the error was met in ("imagekit cache trim --help"), which lists the options it takes.
    private static string HelpCommandFor(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result.Parent is CommandResult parent; result = parent)
        {
            names.Add(result.Command.Name);
        }

        names.Add("imagekit");
        names.Reverse();
        return string.Join(' ', names) + " --help";
    }

    /// <summary>
    /// The usage error to report, or <see langword="null"/>. The parser takes an unknown option for the value of a command's
    /// argument (<c>inspect --bogus cat.gif</c> then complains about <c>cat.gif</c>, <c>play --fps -1</c> about <c>-1</c>) and
    /// lists "no command given" before the unknown word that was meant as one; the token the user got wrong comes first here.
    /// An argument that really starts with a dash goes after <c>--</c>.
    /// </summary>
    private static string? UsageError(ParseResult parseResult)
    {
        var tokens = parseResult.Tokens;
        var doubleDash = IndexWhere(tokens, static t => t.Type == TokenType.DoubleDash);
        var misplacedOption = parseResult.CommandResult.Children
            .OfType<ArgumentResult>()
            .SelectMany(static a => a.Tokens)
            .Where(static t => t.Value.Length > 1 && t.Value[0] == '-')
            .Select(t => (Token: t, Index: IndexWhere(tokens, u => ReferenceEquals(u, t))))
            .Where(t => t.Index >= 0 && (doubleDash < 0 || t.Index < doubleDash))
            .Select(static t => t.Token)
            .FirstOrDefault();
        var unknown = misplacedOption?.Value ?? (parseResult.UnmatchedTokens.Count > 0 ? parseResult.UnmatchedTokens[0] : null);
        if (unknown is not null)
        {
            return $"Unrecognized command or argument '{unknown}'.";
        }

        if (parseResult.Errors.FirstOrDefault(static e => Input.ResponseFiles.Reported(e.Message)) is { } unreadable)
        {
            // An @file that could not be read: what it held (perhaps the command) is missing, so say that first.
            return unreadable.Message;
        }

        if (parseResult.Errors.Count > 0 && parseResult.CommandResult.Command is { Subcommands.Count: > 0 } command)
        {
            // A command that only groups others was given none of them (the parser says "Required command was not provided.").
            return "a command is required: " + string.Join(", ", command.Subcommands.Where(static c => !c.Hidden).Select(static c => c.Name));
        }

        return parseResult.Errors.Count > 0 ? WithFriendlyTypes(parseResult.Errors[0].Message) : null;
    }

    /// <summary>The parser names the .NET type it wanted (<c>System.Nullable`1[System.Int32]</c>); users want to read what to type.</summary>
    private static string WithFriendlyTypes(string message) =>
        ExpectedType().Replace(message, static m => " as " + Describe(m.Groups[1].Value));

    private static string Describe(string typeName) => typeName switch
    {
        _ when typeName.Contains("Int", StringComparison.Ordinal) => "a whole number",
        _ when typeName.Contains("Double", StringComparison.Ordinal) || typeName.Contains("Single", StringComparison.Ordinal) || typeName.Contains("Decimal", StringComparison.Ordinal) => "a number",
        _ when typeName.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ => "a " + typeName[(typeName.LastIndexOf('.') + 1)..].TrimEnd(']'),
    };

    [System.Text.RegularExpressions.GeneratedRegex(@" as expected type '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex ExpectedType();

    private static int IndexWhere(IReadOnlyList<Token> tokens, Func<Token, bool> match)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (match(tokens[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Formats the one stderr line of a failure.</summary>
    public static string FormatError(string? source, string reason)
    {
        // Both may come from outside (a list file's line, a server's message): control characters are shown, not obeyed.
        var oneLine = TerminalText.Printable(reason.ReplaceLineEndings(" "));
        return string.IsNullOrEmpty(source) ? $"imagekit: {oneLine}" : $"imagekit: {TerminalText.Printable(source)}: {oneLine}";
    }

    // "--cache-dir=" with nothing after the '=' (--cache-dir="$DIR" with DIR empty): the parser reads it as the option
    // alone and takes the next argument (a URL, a folder) as its value. The option's name, or null when there is none;
    // arguments after "--" are operands.
    private static string? EmptyOptionValue(string[] args)
    {
        foreach (var arg in args)
        {
            if (arg == "--")
            {
                return null;
            }

            if (arg.Length > 2 && arg[0] == '-' && arg[^1] == '=' && arg.IndexOf('=', StringComparison.Ordinal) == arg.Length - 1)
            {
                return arg[..^1];
            }
        }

        return null;
    }
}
