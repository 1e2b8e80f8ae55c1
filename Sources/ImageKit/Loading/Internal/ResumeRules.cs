using System.Globalization;
using System.Net;

namespace ImageKit.Loading.Internal;

/// <summary>
/// When a cut-off body may be continued, and whether an answer continues it (RFC 9110 §13.1.5 <c>If-Range</c>, §14
/// range requests).
/// </summary>
internal static class ResumeRules
{
    /// <summary>
    /// The <c>If-Range</c> value that would let a cut-off copy of this response's body be continued, or
    /// <see langword="null"/> when it could not be: not a <c>200</c>, no <c>Accept-Ranges: bytes</c>, no declared length
    /// (which also rules out a body the handler decompressed: ranges count the bytes on the wire), or no strong
    /// validator. A strong <c>ETag</c> is preferred; a <c>Last-Modified</c> date is strong only when the response's
    /// <c>Date</c> is at least a second later (a change within the same second could not be told apart).
    /// </summary>
    public static string? Validator(HttpResponseMessage response)
    {
        // Looked at without parsing first: most responses (no Accept-Ranges) cost no allocation here.
        if (response.StatusCode != HttpStatusCode.OK
            || !response.Headers.NonValidated.Contains("Accept-Ranges")
            || response.Content.Headers.NonValidated.Contains("Content-Encoding")
            || response.Content.Headers.ContentLength is not > 0
            || !response.Headers.AcceptRanges.Contains("bytes", StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        if (response.Headers.ETag is { } etag)
        {
            return etag.IsWeak ? null : etag.Tag;
        }

        return response.Content.Headers.LastModified is { } modified && response.Headers.Date is { } date && date - modified >= TimeSpan.FromSeconds(1)
            ? modified.ToString("r", CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>
    /// Whether <paramref name="response"/> is the rest of <paramref name="resumed"/>'s body: a <c>206</c> whose single
    /// byte range starts right after the kept bytes, runs to the end, and (when both are known) has the same total length.
    /// </summary>
    public static bool Continues(HttpResponseMessage response, PartialBody resumed)
    {
        var headers = response.Content.Headers;
        if (response.StatusCode != HttpStatusCode.PartialContent
            || headers.ContentRange is not { From: { } from, To: { } to } range
            || !string.Equals(range.Unit, "bytes", StringComparison.OrdinalIgnoreCase)
            || headers.ContentEncoding.Count > 0
            || headers.ContentLength is not { } length)
        {
            return false;
        }

        // RFC 9110 §15.3.7.3: parts are combined only when they share the same strong validator, and of the same
        // resource (entity tags tell apart versions of one resource only). Another Last-Modified says it is another
        // version whatever the If-Range was, also from a 206 that leaves out the ETag the first answer had.
        var byDate = resumed.ETag is null;
        if ((response.Headers.ETag is { } etag && (byDate || etag.IsWeak || !string.Equals(etag.Tag, resumed.Validator, StringComparison.Ordinal)))
            || (headers.LastModified is { } modified && resumed.LastModified is { } keptModified && modified != keptModified)
            || (resumed.Source is { } source && response.RequestMessage?.RequestUri is { } answered && source != answered))
        {
            return false;
        }

        var total = range.Length ?? to + 1;
        return from == resumed.Count && to == total - 1 && length == to - from + 1 && (resumed.Total is not { } kept || kept == total);
    }

    /// <summary>The whole body's length, for a response that <see cref="Continues"/> a kept body.</summary>
    public static long Total(HttpResponseMessage response, PartialBody resumed) =>
        response.Content.Headers.ContentRange is { To: { } to } range ? range.Length ?? to + 1 : resumed.Total ?? resumed.Count;
}
