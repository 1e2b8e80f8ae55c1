using System.CommandLine;
using ImageKit.Loading.Internal;

namespace ImageKit.Cli.Input;

/// <summary>
/// <c>--header "Name: value"</c> arguments (as curl's <c>-H</c>) turned into the headers a load sends. A name given twice
/// sends its values joined with ", ", as HTTP allows for list-valued fields; <c>Cookie</c>'s with "; ", as its cookies are
/// separated. Names and values follow the SDK's rules
/// (<see cref="RequestHeaderRules"/>), so a header the downloader would refuse is a usage error here. Messages name the
/// header, never quote a value (it may be a secret); the CLI prints every error through <see cref="TerminalText"/>, which
/// keeps it on one line and escapes control characters.
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
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var colon = argument.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                // Not quoted: the argument may be a secret with its colon missing ("Authorization Bearer …").
                throw new CliException(Option, $"argument {i + 1} of {arguments.Count} is not \"Name: value\" (it has no colon)");
            }

            var name = argument[..colon].Trim(' ', '\t');
            var value = argument[(colon + 1)..].Trim(' ', '\t');
            if (RequestHeaderRules.Problem(name, value) is { } problem)
            {
                throw new CliException(Option, problem);
            }

            // Cookie is the one field whose values are not a comma list: its cookies go in one header, "; " between them
            // (RFC 6265 5.4), as curl sends cookies given with -b.
            var separator = string.Equals(name, "Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ";
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + separator + value : value;
        }

        return headers;
    }
}
