namespace Demo.Mac.Portable;

/// <summary>
/// The URL field: any number of http, https, file or data URLs separated by spaces, commas or new lines (a data URL,
/// whose own text has commas, runs to the next space or line break); an empty field means the bundled samples. The grid's cells take the URLs in turn, starting again from the first when there are fewer.
/// </summary>
/// <remarks>Portable (compiled into the tests as well as the app); no AppKit here.</remarks>
internal static class DemoUrls
{
    private static readonly char[] s_spaces = [' ', '\t', '\r', '\n'];

    /// <summary>The URLs in <paramref name="text"/> in order (duplicates kept: each fills a cell), and the words that are not one.</summary>
    public static DemoUrlList Parse(string? text)
    {
        var urls = new List<Uri>();
        var rejected = new List<string>();
        foreach (var word in Words(text ?? ""))
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

    /// <summary>
    /// How the status line names <paramref name="text"/> (a URL or a rejected word): as typed, or, when longer than 60
    /// characters (a data URL can be megabytes), its first 48 and its length.
    /// </summary>
    public static string Label(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= 60 ? text : $"{text[..48]}… ({text.Length:N0} characters)";
    }

    private static IEnumerable<string> Words(string text)
    {
        foreach (var spaced in text.Split(s_spaces, StringSplitOptions.RemoveEmptyEntries))
        {
            var rest = spaced.AsMemory();
            while (!rest.IsEmpty)
            {
                if (rest.Span.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
                {
                    yield return rest.ToString();
                    break;
                }

                var comma = rest.Span.IndexOf(',');
                var word = comma < 0 ? rest : rest[..comma];
                rest = comma < 0 ? ReadOnlyMemory<char>.Empty : rest[(comma + 1)..];
                if (!word.IsEmpty)
                {
                    yield return word.ToString();
                }
            }
        }
    }

    // ImageManager loads http(s) through its downloader, file:// from disk and data: from the URL itself (which needs the
    // comma before its payload); nothing else has a loader.
    private static bool IsLoadable(Uri url) =>
        url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeFile
        || (url.Scheme == "data" && url.OriginalString.Contains(','));
}

/// <summary>What <see cref="DemoUrls.Parse"/> found.</summary>
/// <param name="Urls">The loadable URLs, in the order typed.</param>
/// <param name="Rejected">The words that are not absolute http, https, file or data URLs.</param>
internal sealed record DemoUrlList(IReadOnlyList<Uri> Urls, IReadOnlyList<string> Rejected)
{
    /// <summary>Nothing typed: show the bundled samples.</summary>
    public bool IsEmpty => Urls.Count == 0 && Rejected.Count == 0;
}
