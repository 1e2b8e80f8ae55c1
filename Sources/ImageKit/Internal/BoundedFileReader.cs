using System.Globalization;

namespace ImageKit.Internal;

/// <summary>
/// Reads a whole file up to a limit, also when the file cannot say its length: pipes and FIFOs, character devices such
/// as <c>/dev/zero</c> that never end, and <c>/proc</c> files that report zero bytes. <see cref="File.ReadAllBytes(string)"/>
/// trusts the reported length and otherwise reads until the end, so a device without one exhausted memory.
/// </summary>
internal static class BoundedFileReader
{
    /// <summary>The limit <see cref="Loading.FileImageLoader"/> and <see cref="Decoding.AnimatedImage.Load"/> use unless told otherwise.</summary>
    public const long DefaultMaxBytes = 256L * 1024 * 1024;

    private const int FirstChunkBytes = 64 * 1024;

    /// <summary>Says why a file was refused: "the file has N bytes, more than the M {limit}", or "more than the M bytes {limit}" without a length.</summary>
    public static string TooLargeReason(long? length, long maxBytes, string limit) => length is { } known
        ? string.Create(CultureInfo.InvariantCulture, $"the file has {known:N0} bytes, more than the {maxBytes:N0} {limit}")
        : string.Create(CultureInfo.InvariantCulture, $"the file has more than the {maxBytes:N0} bytes {limit}");

    // Reads of a file of known length are this large, so that a cancelled read stops within one of them.
    private const int ChunkBytes = 1024 * 1024;

    /// <summary>
    /// Reads the file on a pool thread, and returns as soon as <paramref name="cancellationToken"/> is cancelled, even
    /// while the system call it is in blocks: opening a FIFO waits for a writer, reading a pipe waits for data. The pool
    /// thread stays in that call until it returns (a writer comes, the pipe closes), then stops and closes the file.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The most bytes accepted.</param>
    /// <param name="tooLarge">Makes the exception for a file over the limit, given its length when the file reports one.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static Task<byte[]> ReadAsync(string path, long maxBytes, Func<long?, Exception> tooLarge, CancellationToken cancellationToken)
    {
        var reading = Task.Run(() => Read(path, maxBytes, tooLarge, cancellationToken), cancellationToken);

        // Once the caller stops waiting, a failure of the abandoned read would go unobserved.
        _ = reading.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return reading.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Reads <paramref name="stream"/> (one that cannot say its length: standard input, say) to its end on the thread pool,
    /// up to <paramref name="maxBytes"/>, as <see cref="ReadAsync"/> reads a pipe. The caller owns the stream.
    /// </summary>
    public static Task<byte[]> ReadToEndAsync(Stream stream, long maxBytes, Func<long?, Exception> tooLarge, CancellationToken cancellationToken)
    {
        var limit = (int)Math.Clamp(maxBytes, 0, Array.MaxLength - 1);
        var reading = Task.Run(() => ReadToEnd(stream, limit, tooLarge, cancellationToken), cancellationToken);
        _ = reading.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return reading.WaitAsync(cancellationToken);
    }

    /// <inheritdoc cref="ReadAsync"/>
    /// <remarks>Reads on the calling thread; opening a FIFO blocks until a writer opens it.</remarks>
    public static byte[] Read(string path, long maxBytes, Func<long?, Exception> tooLarge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tooLarge);

        // One below the largest array, so that the chunked read can hold one byte past the limit.
        var limit = (int)Math.Clamp(maxBytes, 0, Array.MaxLength - 1);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        cancellationToken.ThrowIfCancellationRequested();
        var length = stream.CanSeek ? stream.Length : 0; // a pipe has none
        if (length > limit)
        {
            throw tooLarge(length);
        }

        return length > 0
            ? ReadKnownLength(stream, (int)length, cancellationToken)
            : ReadToEnd(stream, limit, tooLarge, cancellationToken);
    }

    // A regular file: one array of the reported length. A file that shrank since is returned as it is now; one that grew
    // is read as far as the length it reported, as File.ReadAllBytes does.
    private static byte[] ReadKnownLength(FileStream stream, int length, CancellationToken cancellationToken)
    {
        var data = GC.AllocateUninitializedArray<byte>(length);
        var filled = 0;
        while (filled < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = stream.Read(data, filled, Math.Min(ChunkBytes, length - filled));
            if (read == 0)
            {
                return data[..filled];
            }

            filled += read;
        }

        return data;
    }

    // No length to trust: read in growing chunks until the end, refusing the file once it passes the limit.
    private static byte[] ReadToEnd(Stream stream, int limit, Func<long?, Exception> tooLarge, CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(Math.Min(FirstChunkBytes, limit + 1));
        var filled = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (filled == buffer.Length)
            {
                if (filled > limit)
                {
                    throw tooLarge(null);
                }

                // One byte past the limit is enough to know the file is over it.
                var grown = GC.AllocateUninitializedArray<byte>((int)Math.Min(buffer.Length * 2L, limit + 1));
                buffer.AsSpan(0, filled).CopyTo(grown);
                buffer = grown;
            }

            var read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                return buffer[..filled];
            }

            filled += read;
        }
    }
}
