using System.Globalization;

namespace ImageKit.Cli.Output;

/// <summary>A number with its noun in the right number: <c>1 entry</c>, <c>2 entries</c>, <c>1,024 URLs</c>.</summary>
internal static class Quantity
{
    public static string Of(long count, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? one : many)}");
}
