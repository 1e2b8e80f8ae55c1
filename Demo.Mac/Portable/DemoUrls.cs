namespace Demo.Mac.Portable;

/// <summary>
/// The URL field: any number of http, https or file URLs separated by spaces, commas or new lines; an empty field means
/// the bundled samples. The grid's cells take the URLs in turn, starting again from the first when there are fewer.
/// </summary>
/// <remarks>Portable (compiled into the tests as well as the app); no AppKit here.</remarks>
internal static class DemoUrls
{
    private static readonly char[] s_separators = [' ', '\t', '\r', '\n', ','];

    /// <summary>The URLs in <paramref name="text"/> in order (duplicates kept: each fills a cell), and the words that are not one.</summary>
    public static DemoUrlList Parse(string? text)
    {
        var urls = new List<Uri>();
        var rejected = new List<string>();
        foreach (var word in (text ?? "").Split(s_separators, StringSplitOptions.RemoveEmptyEntries))
        {
            if (Uri.TryCreate(word, UriKind.Absolute, out var url) && IsLoadable(url))
            {
                urls.Add(url);
            }
            else
            {
                rejected.Add(word);
            }
        }

        return new DemoUrlList(urls, rejected);
    }

    /// <summary>The URL each of <paramref name="cellCount"/> cells shows: the list repeated; none when the list is empty.</summary>
    public static IReadOnlyList<Uri> FillCells(IReadOnlyList<Uri> urls, int cellCount)
    {
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentOutOfRangeException.ThrowIfNegative(cellCount);
        if (urls.Count == 0)
        {
            return [];
        }

        var cells = new Uri[cellCount];
        for (var i = 0; i < cellCount; i++)
        {
            cells[i] = urls[i % urls.Count];
        }

        return cells;
    }

    // ImageManager loads http(s) through its downloader and file:// from disk; nothing else has a loader.
    private static bool IsLoadable(Uri url) =>
        url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeFile;
}

/// <summary>What <see cref="DemoUrls.Parse"/> found.</summary>
/// <param name="Urls">The loadable URLs, in the order typed.</param>
/// <param name="Rejected">The words that are not absolute http, https or file URLs.</param>
internal sealed record DemoUrlList(IReadOnlyList<Uri> Urls, IReadOnlyList<string> Rejected)
{
    /// <summary>Nothing typed: show the bundled samples.</summary>
    public bool IsEmpty => Urls.Count == 0 && Rejected.Count == 0;
}
