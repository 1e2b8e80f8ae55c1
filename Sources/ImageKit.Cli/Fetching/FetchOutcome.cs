namespace ImageKit.Cli.Fetching;

/// <summary>What happened to one URL of a fetch: where the image came from, or why it failed.</summary>
/// <param name="Url">The URL in full as it was given (<see cref="Uri.OriginalString"/>, not re-escaped; the JSON output's), a password in it replaced by <c>***</c>.</param>
/// <param name="Name">How the text output names it: the URL as given, or a long <c>data:</c> URL's start and length.</param>
/// <param name="Source">memory, disk, network or failed.</param>
/// <param name="Bytes">The encoded bytes of the image.</param>
/// <param name="FrameCount">Its frames.</param>
/// <param name="Error">Why it failed, or <see langword="null"/>.</param>
internal sealed record FetchOutcome(string Url, string Name, string Source, long Bytes, int FrameCount, string? Error)
{
    public bool Failed => Error is not null;
}
