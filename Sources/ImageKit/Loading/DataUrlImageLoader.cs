using System.Buffers;
using System.Buffers.Text;
using System.Globalization;

namespace ImageKit.Loading;

/// <summary>
/// Loads <c>data:</c> URLs (RFC 2397): the bytes are in the URL itself, base64 (<c>data:image/png;base64,iVBORw0…</c>) or
/// percent-encoded (<c>data:image/gif,GIF89a%01%00…</c>). Their images are memory-cached like any other, never copied to
/// the disk cache. The media type is not trusted: the decoders look at the bytes.
/// </summary>
/// <remarks>Registered in every <see cref="ImageManager"/>'s <see cref="ImageManager.Loaders"/>. Thread-safe.</remarks>
public sealed class DataUrlImageLoader : IImageLoader
{
    // Larger payloads are decoded on the thread pool, not on the thread that asked for the load (often a UI thread).
    private const int InlineDecodeLimit = 64 * 1024;

    /// <summary>The most bytes a URL may carry; larger ones are refused before anything is decoded. <value>Default: 64 MiB.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to zero or less.</exception>
    public long MaxBytes
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, 0);
            field = value;
        }
    } = 64L * 1024 * 1024;

    /// <inheritdoc/>
    public bool CanLoad(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && string.Equals(url.Scheme, "data", StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc/>
    /// <exception cref="ImageLoadException">Not a <c>data:</c> URL, no comma before the data, data that is not valid base64
    /// or percent-encoding, or more than <see cref="MaxBytes"/>. A fragment (<c>#…</c>) is not part of the data.</exception>
    public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var url = request.Url;
        if (!CanLoad(url))
        {
            throw new ImageLoadException(url, "not a data: URL");
        }

        // The URL as given: Uri's canonical form would escape what the payload carries (spaces, for one). A fragment is no
        // part of the data (browsers drop it too); a '#' in the data itself is written %23.
        var text = url.OriginalString;
        if (text.IndexOf('#', StringComparison.Ordinal) is >= 0 and var fragment)
        {
            text = text[..fragment];
        }

        var comma = text.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            throw new ImageLoadException(url, "not a valid data: URL: there is no comma between the media type and the data");
        }

        var isBase64 = text.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase);
        var payload = text.AsMemory(comma + 1);
        var bound = isBase64 ? Base64.GetMaxDecodedFromUtf8Length(payload.Length) : payload.Length;
        if (bound > MaxBytes && (isBase64 ? EstimateBase64Bytes(payload.Span) : payload.Length - (2L * payload.Span.Count('%'))) > MaxBytes)
        {
            throw new ImageLoadException(url, string.Create(CultureInfo.InvariantCulture, $"the data: URL carries more than the {MaxBytes:N0} bytes allowed"));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var data = payload.Length > InlineDecodeLimit
            ? await Task.Run(() => Decode(url, payload, isBase64), cancellationToken).ConfigureAwait(false)
            : Decode(url, payload, isBase64);
        if (data.Length > MaxBytes)
        {
            throw new ImageLoadException(url, string.Create(CultureInfo.InvariantCulture, $"the data: URL carries {data.Length:N0} bytes, more than the {MaxBytes:N0} allowed"));
        }

        progress?.Report(new ImageLoadProgress(data.Length, data.Length));
        return new ImageLoaderResponse(url, data) { StoreOnDisk = false };
    }

    private static byte[] Decode(Uri url, ReadOnlyMemory<char> payload, bool isBase64)
    {
        // Percent-escapes are allowed in both forms (RFC 2397 data is URL-encoded, base64 characters included).
        var unescaped = payload.Span.Contains('%') ? UnescapeBytes(url, payload.Span) : null;
        if (!isBase64)
        {
            return unescaped ?? LatinBytes(url, payload.Span);
        }

        var base64 = unescaped is null ? payload.ToString() : System.Text.Encoding.Latin1.GetString(unescaped);
        try
        {
            // Whitespace (line breaks in long URLs) is skipped.
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new ImageLoadException(url, "not a valid data: URL: its data is marked base64 but is not valid base64");
        }
    }

    // The bytes of %XX escapes, and of every other character as itself; characters above U+00FF are not bytes.
    private static byte[] UnescapeBytes(Uri url, ReadOnlySpan<char> text)
    {
        var bytes = new ArrayBufferWriter<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            byte value;
            if (text[i] == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value))
                {
                    throw new ImageLoadException(url, string.Create(CultureInfo.InvariantCulture, $"not a valid data: URL: '%' at data offset {i} is not followed by two hex digits"));
                }

                i += 2;
            }
            else
            {
                value = ByteOf(url, text[i], i);
            }

            bytes.GetSpan(1)[0] = value;
            bytes.Advance(1);
        }

        return bytes.WrittenSpan.ToArray();
    }

    private static byte[] LatinBytes(Uri url, ReadOnlySpan<char> text)
    {
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            bytes[i] = ByteOf(url, text[i], i);
        }

        return bytes;
    }

    // URLs are ASCII: a raw U+0080–U+00FF would read as one byte here while the cache key (Uri.AbsoluteUri) escapes it as
    // two UTF-8 bytes, so two URLs with different bytes would share one cache entry.
    private static byte ByteOf(Uri url, char c, int offset) =>
        c < 0x80 ? (byte)c : throw new ImageLoadException(url, string.Create(CultureInfo.InvariantCulture, $"not a valid data: URL: the character U+{(int)c:X4} at data offset {offset} is not ASCII (percent-encode binary data)"));

    // Base64 characters (escapes counted as the character they stand for) × 3/4, rounded down: whitespace and the '='
    // padding carry no bits, raw or escaped, so for valid base64 this is its exact length (the padding of exactly MaxBytes,
    // or escaped line breaks, were counted as data, and a URL within the limit refused).
    private static long EstimateBase64Bytes(ReadOnlySpan<char> payload)
    {
        long characters = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            var c = payload[i];
            if (c == '%')
            {
                c = i + 2 < payload.Length && byte.TryParse(payload.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var escaped)
                    ? (char)escaped
                    : 'A'; // malformed: refused when decoded
                i += 2;
            }

            if (c != '=' && !char.IsWhiteSpace(c))
            {
                characters++;
            }
        }

        return characters * 3 / 4;
    }
}
