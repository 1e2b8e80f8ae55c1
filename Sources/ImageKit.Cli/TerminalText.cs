using System.Globalization;
using System.Text;

namespace ImageKit.Cli;

/// <summary>
/// Makes text from outside (a line of a URL list, a file name, a server's message) safe to print on one terminal line:
/// control characters, escape sequences among them, are shown as <c>\u001B</c> instead of acting on the terminal, and
/// over-long text is cut. Text that needs neither is returned as it is.
/// </summary>
internal static class TerminalText
{
    /// <summary>How many characters of one piece of outside text are printed.</summary>
    public const int MaxChars = 300;

    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan(0, Math.Min(text.Length, MaxChars));
        if (!span.ContainsAnyInRange('\0', '\u001F') && !span.ContainsAnyInRange('\u007F', '\u009F') && text.Length <= MaxChars)
        {
            return text;
        }

        var printable = new StringBuilder(span.Length + 16);
        foreach (var c in span)
        {
            if (char.IsControl(c))
            {
                printable.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                printable.Append(c);
            }
        }

        if (text.Length > MaxChars)
        {
            printable.Append(CultureInfo.InvariantCulture, $"… ({text.Length - MaxChars:N0} more characters)");
        }

        return printable.ToString();
    }
}
