namespace ImageKit.Cli.Fetching;

/// <summary>What happened to one URL of a fetch: where the image came from, or why it failed.</summary>
internal sealed record FetchOutcome(string Url, string Source, long Bytes, int FrameCount, string? Error)
{
    public bool Failed => Error is not null;
}
