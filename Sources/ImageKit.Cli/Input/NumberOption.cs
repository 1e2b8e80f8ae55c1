using System.Globalization;
using System.Numerics;

namespace ImageKit.Cli.Input;

/// <summary>
/// Reads an option's number from its text. A number outside the option's range is told as such, with the range
/// ("out of range: must be between 1 and 256, not 0"), also one too large for the type, which the parser reported as not
/// a number at all; text that is no number says so.
/// </summary>
internal static class NumberOption
{
    /// <summary>The whole number <paramref name="text"/> gives (sign and surrounding spaces allowed), from <paramref name="min"/> to <paramref name="max"/>.</summary>
    /// <param name="option">The option, which the error line names.</param>
    /// <param name="text">The option's value as given.</param>
    /// <param name="min">The least value accepted.</param>
    /// <param name="max">The greatest value accepted.</param>
    /// <param name="what">What a value is, for text that is no number: "a whole number", "a number of bytes".</param>
    /// <param name="range">The range, said after "must be": "between 1 and 256".</param>
    public static long Whole(string option, string text, long min, long max, string what, string range)
    {
        if (!BigInteger.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new CliException(option, $"'{text}' is not {what}");
        }

        return value >= min && value <= max ? (long)value : throw OutOfRange(option, text, range);
    }

    /// <summary>The number <paramref name="text"/> gives (a sign, a decimal point and an exponent allowed), from <paramref name="min"/> to <paramref name="max"/>.</summary>
    /// <param name="option">The option, which the error line names.</param>
    /// <param name="text">The option's value as given.</param>
    /// <param name="min">The least value accepted.</param>
    /// <param name="max">The greatest value accepted.</param>
    /// <param name="what">What a value is, for text that is no number: "a number of days".</param>
    /// <param name="range">The range, said after "must be": "between 0 and 10,675,199 days".</param>
    public static double Decimal(string option, string text, double min, double max, string what, string range)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            throw new CliException(option, $"'{text}' is not {what}");
        }

        return value >= min && value <= max ? value : throw OutOfRange(option, text, range);
    }

    private static CliException OutOfRange(string option, string text, string range) => new(option, $"out of range: must be {range}, not {text.Trim()}");
}
