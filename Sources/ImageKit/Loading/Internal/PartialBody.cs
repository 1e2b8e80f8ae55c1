namespace ImageKit.Loading.Internal;

/// <summary>
/// The first bytes of a response body that was cut off (a failed attempt, a cancelled download), with what a request for
/// the rest needs: <c>Range: bytes={Count}-</c> and <c>If-Range: {Validator}</c>.
/// </summary>
/// <remarks>
/// Bytes <c>[0, Count)</c> of <see cref="Buffer"/> may have been handed out as partial data and are never written again;
/// the download that resumes writes only after them, so those slices stay valid. Exactly one download holds a partial
/// body at a time (<see cref="ResumableBodies.Take"/> removes it).
/// </remarks>
/// <param name="Buffer">The array the body was being read into; its first <paramref name="Count"/> bytes are the body's.</param>
/// <param name="Count">How many bytes arrived; at least 1.</param>
/// <param name="Validator">A strong <c>ETag</c> (quotes included) or an HTTP date, sent as <c>If-Range</c>.</param>
/// <param name="Total">The whole body's length, when the server said it.</param>
/// <param name="ContentType">The <c>Content-Type</c> of the interrupted response.</param>
/// <param name="ETag">Its <c>ETag</c>.</param>
/// <param name="LastModified">Its <c>Last-Modified</c>.</param>
/// <param name="Source">The URL that answered (after redirects).</param>
/// <param name="NoStore">Whether it said no-store.</param>
internal sealed record PartialBody(byte[] Buffer, int Count, string Validator, long? Total, string? ContentType, string? ETag, DateTimeOffset? LastModified, Uri? Source = null, bool NoStore = false)
{
    /// <summary>What keeping it costs: the whole array, not only the bytes received.</summary>
    public long Cost => Buffer.Length;
}
