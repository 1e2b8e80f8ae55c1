namespace ImageKit.Loading.Internal;

/// <summary>
/// Reads a response body into memory with a size limit, reporting progress. Arrays are never reused or written twice at
/// the same place, so a slice handed out as partial data stays a valid snapshot forever.
/// </summary>
internal static class ResponseBodyReader
{
    private const int InitialCapacity = 64 * 1024;
    private const int MaxInitialCapacity = 4 * 1024 * 1024;

    // With automatic decompression the body is the decoder's stream. On data they cannot decode, the gzip and deflate
    // decoders throw InvalidDataException (nothing else in reading an HTTP body does), Brotli's InvalidOperationException.
    private static bool IsUndecodable(Exception ex, Stream body) =>
        ex is InvalidDataException || (ex is InvalidOperationException && body is System.IO.Compression.BrotliStream);

    /// <summary>Reads the whole body; throws <see cref="ImageDownloadException"/> or <see cref="TransientDownloadException"/>.</summary>
    /// <param name="body">The body stream; when <paramref name="cursor"/> starts with bytes, the rest of the body after them.</param>
    /// <param name="contentLength">The whole body's length (the bytes the cursor starts with included), when known.</param>
    /// <param name="maxBytes">The most bytes accepted.</param>
    /// <param name="url">For messages.</param>
    /// <param name="download">Receives progress.</param>
    /// <param name="keepsBody">Whether the body outlives the load (a deferred disk store).</param>
    /// <param name="cursor">Where reading starts (a resumed body's first bytes) and, as it goes, what has been read: what a body cut off leaves.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(
        Stream body,
        long? contentLength,
        long maxBytes,
        Uri url,
        SharedDownload download,
        bool keepsBody,
        BodyCursor cursor,
        CancellationToken cancellationToken)
    {

        // Ask for one byte past the limit when the length is unknown, to tell "exactly the limit" from "over it".
        var capacityNeeded = contentLength ?? maxBytes + 1;
        var initialCapacity = (int)Math.Min(capacityNeeded, contentLength is null ? InitialCapacity : MaxInitialCapacity);

        // A body of known length is read into one unzeroed array (every byte is written before it is handed out). One
        // that waits for a deferred disk store outlives several young-generation collections (seconds under load), and
        // ordinary arrays that survive are copied at every promotion: it goes to the pinned object heap, where it never
        // is (GC pauses per cold load 9–11 → 5–8 µs in the pipeline benchmark). Others die young, where the pinned heap
        // would only make every collection a full one (memory-only cold loads: ~16,000 → ~23,000 images/s with ordinary
        // arrays). A known length over 4 MiB grows the same way (the server may lie); bodies of unknown length grow
        // through ordinary arrays.
        var pinned = keepsBody && contentLength is not null;
        var received = cursor.Received;
        var buffer = cursor.Buffer;
        if (buffer is null)
        {
            buffer = contentLength is null ? new byte[initialCapacity] : GC.AllocateUninitializedArray<byte>(initialCapacity, pinned);
            cursor.BufferPinned = pinned;
        }

        cursor.Buffer = buffer;
        download.Report(received, contentLength, buffer.AsMemory(0, received));
        while (true)
        {
            if (received == buffer.Length)
            {
                if (received >= capacityNeeded)
                {
                    break;
                }

                var grownLength = (int)Math.Min(capacityNeeded, (long)buffer.Length * 2);
                var grown = contentLength is null ? new byte[grownLength] : GC.AllocateUninitializedArray<byte>(grownLength, pinned);
                buffer.AsSpan(0, received).CopyTo(grown);
                buffer = grown;
                cursor.Buffer = grown;
                cursor.BufferPinned = pinned;
            }

            int read;
            try
            {
                read = await body.ReadAsync(buffer.AsMemory(received), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw contentLength is { } declared
                    ? new TransientDownloadException(ImageDownloadFailure.Truncated, $"the body was cut off after {received} of the {declared} bytes in Content-Length ({ex.Message})", ex)
                    : new TransientDownloadException(ImageDownloadFailure.Network, $"the connection failed after {received} body bytes ({ex.Message})", ex);
            }
            catch (Exception ex) when (IsUndecodable(ex, body) && !cancellationToken.IsCancellationRequested)
            {
                // A body labelled gzip, deflate or br that does not decompress. Retried, as a malformed response is: a
                // server or proxy can send a cut or mislabelled body once.
                throw new TransientDownloadException(ImageDownloadFailure.Network, $"the compressed body (Content-Encoding) could not be decompressed after {received} bytes: {ex.Message}", ex);
            }

            if (read == 0)
            {
                break;
            }

            received += read;
            cursor.Received = received;
            if (received > maxBytes)
            {
                throw new ImageDownloadException(url, ImageDownloadFailure.TooLarge, $"the body is larger than MaxResponseBytes ({maxBytes} bytes); the download was aborted after {received} bytes");
            }

            download.Report(received, contentLength, buffer.AsMemory(0, received));
        }

        if (contentLength is { } expected && received < expected)
        {
            throw new TransientDownloadException(ImageDownloadFailure.Truncated, $"the body ended after {received} of the {expected} bytes in Content-Length");
        }

        // A body longer than it said (a chunked body with a Content-Length beside it): its bytes cannot be trusted.
        if (contentLength is not null && await body.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) != 0)
        {
            cursor.Received = 0; // nothing of it is kept to resume from
            throw new TransientDownloadException(ImageDownloadFailure.Network, $"the body is longer than the {contentLength} bytes it declared");
        }

        return buffer.AsMemory(0, received);
    }
}
