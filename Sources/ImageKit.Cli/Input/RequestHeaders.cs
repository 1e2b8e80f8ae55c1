using System.CommandLine;

namespace ImageKit.Cli.Input;

/// <summary>
/// <c>--header "Name: value"</c> arguments (as curl's <c>-H</c>) turned into the headers a load sends. A name given twice
/// sends its values joined with ", ", as HTTP allows for list-valued fields. Messages quote the argument as it is: the CLI
/// prints every error through <see cref="TerminalText"/>, which keeps it on one line and escapes control characters.
/// </summary>
internal static class RequestHeaders
{
    private const string Option = "--header";

    /// <summary>The repeatable <c>--header</c>/<c>-H</c> option; <paramref name="sentWith"/> says which requests carry it.</summary>
    public static Option<string[]> CreateOption(string sentWith) =>
        new(Option, "-H") { Description = $"An extra request header, \"Name: value\" (repeatable), sent with {sentWith}." };

    /// <summary>The headers, or <see langword="null"/> when none were given.</summary>
    /// <exception cref="CliException">An argument is not <c>Name: value</c> with a valid field name.</exception>
    public static IReadOnlyDictionary<string, string>? Parse(IReadOnlyList<string> arguments)
    {
        if (arguments.Count == 0)
        {
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var argument in arguments)
        {
            var colon = argument.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new CliException(Option, $"'{argument}' is not \"Name: value\"");
            }

            var name = argument[..colon].Trim();
            var value = argument[(colon + 1)..].Trim();
            if (name.Length == 0 || !name.All(IsTokenChar))
            {
                throw new CliException(Option, $"'{name}' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)");
            }

            if (value.Any(c => c is '\r' or '\n' or '\0'))
            {
                throw new CliException(Option, $"the value of '{name}' has a line break or NUL");
            }

            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        return headers;
    }

    // RFC 9110 §5.6.2: tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
