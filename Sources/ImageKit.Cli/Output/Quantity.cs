using System.Globalization;

namespace ImageKit.Cli.Output;

/// <summary>
/// A number with its noun in the right number: <c>1 entry</c>, <c>2 entries</c>, <c>1,024 URLs</c>; a size in bytes
/// in KiB or MiB.
/// </summary>
internal static class Quantity
{
    public static string Of(long count, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? one : many)}");

    /// <summary>
    /// A size to one decimal: KiB below one MiB, MiB from there. The unit is chosen by the rounded value, so 1023.95 KiB
    /// and above is <c>1 MiB</c>, never <c>1024 KiB</c>.
    /// </summary>
    public static string Size(long bytes)
    {
        var kibibytes = Math.Round(bytes / 1024.0, 1, MidpointRounding.AwayFromZero);
        return kibibytes < 1024
            ? string.Create(CultureInfo.InvariantCulture, $"{kibibytes:0.#} KiB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MiB");
    }
}
