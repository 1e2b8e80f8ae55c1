using System.Globalization;
using System.Text;

namespace ImageKit.Cli;

/// <summary>
/// Makes text from outside (a line of a URL list, a file name, a server's message) safe to print on one terminal line:
/// control characters, escape sequences among them, and invisible format characters (a byte order mark, bidirectional
/// overrides that reorder what follows) and the line and paragraph separators U+2028/U+2029 are shown as <c>\u001B</c> instead of acting on the terminal; a tab is a space;
/// text longer than <see cref="MaxChars"/> is cut. Text that needs none of this is returned as it is.
/// </summary>
internal static class TerminalText
{
    /// <summary>How many characters of one piece of outside text are printed (long signed URLs fit).</summary>
    public const int MaxChars = 2000;

    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= MaxChars && !NeedsEscaping(text))
        {
            return text;
        }

        var kept = Math.Min(text.Length, MaxChars);
        if (kept < text.Length && char.IsHighSurrogate(text[kept - 1]))
        {
            kept--; // keep a surrogate pair whole
        }

        var printable = new StringBuilder(kept + 16);
        foreach (var c in text.AsSpan(0, kept))
        {
            if (c == '\t')
            {
                printable.Append(' ');
            }
            else if (IsHidden(c))
            {
                printable.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                printable.Append(c);
            }
        }

        if (kept < text.Length)
        {
            printable.Append(CultureInfo.InvariantCulture, $"… ({text.Length - kept:N0} more characters)");
        }

        return printable.ToString();
    }

    private static bool NeedsEscaping(string text)
    {
        foreach (var c in text)
        {
            if (c == '\t' || IsHidden(c))
            {
                return true;
            }
        }

        return false;
    }

    // Controls (C0, DEL, C1 with NEL among them), format characters (bidirectional overrides and isolates, a byte order
    // mark) and the line and paragraph separators U+2028/U+2029, which readers of Unicode text (Python's splitlines,
    // JavaScript, editors) take as line breaks: printed, they would split the one line an error is promised to take.
    private static bool IsHidden(char c) =>
        char.IsControl(c)
        || (c > '\u007F' && CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
}
