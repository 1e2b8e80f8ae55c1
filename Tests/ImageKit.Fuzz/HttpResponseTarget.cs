using System.Net;
using System.Net.Sockets;
using System.Text;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Loading.Internal;

namespace ImageKit.Fuzz;

/// <summary>
/// Any bytes become what an HTTP server answers, byte for byte (a loopback socket that reads a request's headers, writes
/// its answer in two halves and closes). The input may hold several answers separated by <see cref="Separator"/>: the
/// first request gets the first, the next the next, and the last answers every request after it. Every host name
/// connects to that socket, so redirects anywhere come back to it. An <see cref="ImageManager"/> loads an image through
/// it progressively, waiting for the disk store, then loads it again revalidating (the stored <c>ETag</c> and
/// <c>Last-Modified</c> go back as validators).
/// </summary>
/// <remarks>
/// The rules: a load ends with a result or an <see cref="ImageKitException"/> (the documented failures) within 15 s;
/// nothing else escapes. A load that failed leaves nothing in either cache (a failed or partial download is never
/// cached); one that succeeded is on disk, unless its first frame does not decode (then it is in neither cache); a
/// revalidation that failed keeps what was cached; after every load the downloader has no download left tracked, active
/// or queued. Each input gets a new manager, downloader and memory
/// cache; the disk cache is shared, with a new key for every input.
/// </remarks>
internal static class HttpResponseTarget
{
    private static readonly Lazy<ResponseServer> s_server = new(() => new ResponseServer());
    private static readonly Lazy<DiskImageCache> s_disk = new(() => new DiskImageCache(new DiskImageCacheOptions
    {
        Directory = Directory.CreateTempSubdirectory("imagekit-fuzz-http-").FullName,
        FlushWrites = false,
    }));

    private static long s_inputs;

    /// <summary>Separates the answers to successive requests within one input.</summary>
    internal static ReadOnlySpan<byte> Separator => "\0\0NEXT\0\0"u8;

    /// <summary>Runs one input; returns what happened.</summary>
    public static string Exercise(byte[] response)
    {
        var server = s_server.Value;
        server.Answer(Split(response));
        var key = "k" + Interlocked.Increment(ref s_inputs).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var url = new Uri($"http://images.example/{key}.gif");

        using var memory = new MemoryImageCache();
        using var cache = new ImageCache(memory, s_disk.Value);
        var options = new ImageDownloaderOptions
        {
            AttemptTimeout = TimeSpan.FromSeconds(2),
            MaxResponseBytes = 16 * 1024,
            MaxRedirects = 3,
            Retry = new ImageDownloadRetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
            CircuitBreaker = new ImageDownloadCircuitBreakerOptions { Enabled = false },
        };
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // ImageKit's RedirectHandler follows them, as with the handler it creates itself
            AutomaticDecompression = DecompressionMethods.All,
            MaxResponseDrainSize = 64 * 1024,
            ConnectCallback = server.ConnectAsync,
        };
        // As the client ImageKit creates itself: its RedirectHandler over the sockets handler.
        using var client = new HttpClient(new RedirectHandler(options.MaxRedirects) { InnerHandler = handler }) { Timeout = TimeSpan.FromSeconds(10) };
        using var downloader = ImageDownloader.OverConfiguredClient(client, options);
        using var manager = new ImageManager(cache, downloader);

        var previews = new PreviewCounter();
        var first = Load(manager, url, new ImageLoadOptions { CacheKey = _ => key, WaitForDiskStore = true, Progressive = true }, previews);
        if (previews.Count > 0)
        {
            first += $" ({previews.Count} previews)";
        }

        CheckNothingLeftInFlight(downloader, first);
        if (first.StartsWith("failed", StringComparison.Ordinal))
        {
            if (memory.Contains(key) || s_disk.Value.ContainsAsync(key).GetAwaiter().GetResult())
            {
                throw new InvalidOperationException($"a load that failed left its image in the cache ({first})");
            }

            return first;
        }

        if (first.Contains("; frame 0: ", StringComparison.Ordinal))
        {
            // Headers that decode over a frame that does not: the failed frame takes the image out of both caches.
            manager.WhenUndecodableForgottenAsync().GetAwaiter().GetResult();
            if (memory.Contains(key) || s_disk.Value.ContainsAsync(key).GetAwaiter().GetResult())
            {
                throw new InvalidOperationException($"an image whose first frame does not decode stayed in the cache ({first})");
            }

            return first;
        }

        if (!s_disk.Value.ContainsAsync(key).GetAwaiter().GetResult())
        {
            throw new InvalidOperationException($"a load that waited for its disk store left nothing on disk ({first})");
        }

        var second = Load(manager, url, new ImageLoadOptions { CacheKey = _ => key, RefreshCached = true, WaitForDiskStore = true });
        CheckNothingLeftInFlight(downloader, second);
        if (second.StartsWith("failed", StringComparison.Ordinal) && !s_disk.Value.ContainsAsync(key).GetAwaiter().GetResult())
        {
            throw new InvalidOperationException($"a revalidation that failed lost the cached image ({second})");
        }

        return $"{first}; revalidated: {second}";
    }

    // A download's waiters may see its outcome a moment before the downloader forgets it (the queue slot and the shared
    // download are released right after): a short wait, then nothing may be left.
    private static void CheckNothingLeftInFlight(ImageDownloader downloader, string outcome)
    {
        if (!SpinWait.SpinUntil(() => downloader.TrackedDownloads == 0 && downloader.ActiveDownloads == 0 && downloader.QueuedDownloads == 0, TimeSpan.FromSeconds(5)))
        {
            throw new InvalidOperationException(
                $"a finished load left {downloader.TrackedDownloads} shared downloads tracked, {downloader.ActiveDownloads} active and {downloader.QueuedDownloads} queued ({outcome})");
        }
    }

    private static string Load(ImageManager manager, Uri url, ImageLoadOptions options, IProgress<ImageLoadProgress>? progress = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            using var result = manager.LoadImageAsync(url, options, progress, timeout.Token).GetAwaiter().GetResult();
            var loaded = $"{result.Source}, {result.Image.Format} {result.Image.PixelWidth}x{result.Image.PixelHeight}, {result.Image.FrameCount} frames";
            try
            {
                // Frames are decoded when asked for: a body whose headers decode can still hold corrupt frame data. The
                // load succeeded; the frame's failure takes the image out of the caches (checked by the caller).
                using var frame = result.Image.GetFrame(0);
                return loaded;
            }
            catch (ImageDecodingException e)
            {
                return $"{loaded}; frame 0: {e.Message}";
            }
        }
        catch (ImageKitException e)
        {
            return $"failed: {e.GetType().Name}: {e.Message}";
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException("a load outlived its attempt timeouts by far (15 s)");
        }
    }

    /// <summary>Writes seed responses into <paramref name="folder"/>: images with validators, chunked, 304, a redirect, 503, gzip.</summary>
    public static void MakeSeeds(string folder)
    {
        Directory.CreateDirectory(folder);

        // A 2 × 1 GIF of two frames (red, then blue; so the animation path runs), made with ImageMagick:
        // convert -size 2x1 xc:red xc:blue -set delay 10 -loop 0 two.gif
        byte[] gif =
        [
            0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x02, 0x00, 0x01, 0x00, 0xF0, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x21, 0xFF, 0x0B, 0x4E, 0x45, 0x54, 0x53, 0x43, 0x41, 0x50, 0x45,
            0x32, 0x2E, 0x30, 0x03, 0x01, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x02,
            0x02, 0x04, 0x0A, 0x00, 0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
            0x01, 0x00, 0x80, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x02, 0x02, 0x04, 0x0A, 0x00, 0x3B,
        ];
        Write(folder, "200-gif-validators", Head("200 OK", ("Content-Type", "image/gif"), ("Content-Length", gif.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("ETag", "\"v1\""), ("Last-Modified", "Tue, 01 Dec 2026 00:00:00 GMT"), ("Cache-Control", "max-age=60")), gif);
        Write(folder, "200-gif-chunked", Head("200 OK", ("Content-Type", "image/gif"), ("Transfer-Encoding", "chunked")), [.. Encoding.ASCII.GetBytes($"{gif.Length:x}\r\n"), .. gif, .. "\r\n0\r\n\r\n"u8]);
        Write(folder, "200-gif-close-delimited", Head("200 OK", ("Content-Type", "application/octet-stream"), ("Connection", "close")), gif);
        using (var compressed = new MemoryStream())
        {
            using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(gif);
            }

            Write(folder, "200-gif-gzip", Head("200 OK", ("Content-Type", "image/gif"), ("Content-Encoding", "gzip"), ("Content-Length", compressed.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))), compressed.ToArray());
        }

        // Larger stills (under the 16 KiB limit), so that half a body holds whole rows: a progressive load shows a preview.
        foreach (var (name, format, type) in (ReadOnlySpan<(string, SkiaSharp.SKEncodedImageFormat, string)>)[
            ("200-png-rows", SkiaSharp.SKEncodedImageFormat.Png, "image/png"), ("200-jpeg-rows", SkiaSharp.SKEncodedImageFormat.Jpeg, "image/jpeg")])
        {
            using var bitmap = new SkiaSharp.SKBitmap(48, 48);
            var random = new Random(7);
            for (var y = 0; y < 48; y++)
            {
                for (var x = 0; x < 48; x++)
                {
                    bitmap.SetPixel(x, y, new SkiaSharp.SKColor((byte)(x * 5), (byte)(y * 5), (byte)random.Next(256)));
                }
            }

            using var encoded = bitmap.Encode(format, 90);
            var bytes = encoded.ToArray();
            Write(folder, name, Head("200 OK", ("Content-Type", type), ("Content-Length", bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))), bytes);
        }

        Write(folder, "304-not-modified", Head("304 Not Modified", ("ETag", "\"v1\"")), []);
        Write(folder, "200-then-304", [.. Head("200 OK", ("Content-Type", "image/gif"), ("Content-Length", gif.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("ETag", "\"v1\""), ("Last-Modified", "Tue, 01 Dec 2026 00:00:00 GMT")), .. gif, .. Separator], Head("304 Not Modified", ("ETag", "\"v1\"")));
        Write(folder, "200-then-500", [.. Head("200 OK", ("Content-Type", "image/gif"), ("Content-Length", gif.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("ETag", "W/\"v2\"")), .. gif, .. Separator], Head("500 Internal Server Error", ("Content-Length", "0")));
        Write(folder, "301-redirect", Head("301 Moved Permanently", ("Location", "http://elsewhere.example/x.gif"), ("Content-Length", "0")), []);
        Write(folder, "503-retry-after", Head("503 Service Unavailable", ("Retry-After", "1"), ("Content-Length", "4")), "busy"u8.ToArray());
        Write(folder, "200-too-long", Head("200 OK", ("Content-Type", "image/gif"), ("Content-Length", "99999")), gif);
    }

    /// <summary>Counts and disposes progressive previews (decoded from the first half of a body: see <see cref="ResponseServer"/>).</summary>
    private sealed class PreviewCounter : IProgress<ImageLoadProgress>
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Report(ImageLoadProgress value)
        {
            if (value.Preview is { } preview)
            {
                _ = preview.Width;
                preview.Dispose();
                Interlocked.Increment(ref _count);
            }
        }
    }

    private static byte[][] Split(byte[] input)
    {
        var parts = new List<byte[]>();
        var rest = input.AsSpan();
        int at;
        while ((at = rest.IndexOf(Separator)) >= 0)
        {
            parts.Add(rest[..at].ToArray());
            rest = rest[(at + Separator.Length)..];
        }

        parts.Add(rest.ToArray());
        return [.. parts];
    }

    private static byte[] Head(string status, params (string Name, string Value)[] headers)
    {
        var text = new StringBuilder("HTTP/1.1 ").Append(status).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
    }

    private static void Write(string folder, string name, byte[] head, byte[] body) => File.WriteAllBytes(Path.Combine(folder, name), [.. head, .. body]);

    /// <summary>A loopback socket server that answers each request with the next of <see cref="Answer"/>'s answers and closes.</summary>
    private sealed class ResponseServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Lock _lock = new();
        private byte[][] _answers = [[]];
        private int _served;

        public ResponseServer()
        {
            _listener.Start();
            new Thread(AcceptLoop) { IsBackground = true, Name = "fuzz HTTP server" }.Start();
        }

        /// <summary>Sets the answers for the next requests, from the first.</summary>
        public void Answer(byte[][] answers)
        {
            lock (_lock)
            {
                _answers = answers;
                _served = 0;
            }
        }

        public void Dispose() => _listener.Dispose();

        public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync((IPEndPoint)_listener.LocalEndpoint, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        private void AcceptLoop()
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = _listener.AcceptSocket();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    return; // stopped
                }

                ThreadPool.QueueUserWorkItem(_ => Serve(socket));
            }
        }

        private void Serve(Socket socket)
        {
            using (socket)
            {
                try
                {
                    socket.ReceiveTimeout = 2_000;
                    var request = new List<byte>();
                    var buffer = new byte[4096];
                    while (request.Count < 64 * 1024)
                    {
                        var read = socket.Receive(buffer);
                        if (read == 0)
                        {
                            return;
                        }

                        request.AddRange(buffer.AsSpan(0, read));
                        if (EndsHeaders(request))
                        {
                            break;
                        }
                    }

                    byte[] answer;
                    lock (_lock)
                    {
                        answer = _answers[Math.Min(_served++, _answers.Length - 1)];
                    }

                    // In two parts with a pause between, cut in the middle of what follows the head, so that the client
                    // reads the first half of a body on its own: a progressive load then decodes a preview from it.
                    var head = answer.AsSpan().IndexOf("\r\n\r\n"u8);
                    var cut = head < 0 ? answer.Length / 2 : head + 4 + (answer.Length - head - 4) / 2;
                    socket.NoDelay = true;
                    socket.Send(answer.AsSpan(0, cut));
                    Thread.Sleep(2);
                    socket.Send(answer.AsSpan(cut));
                    socket.Shutdown(SocketShutdown.Send);
                }
                catch (SocketException)
                {
                    // The client gave up (a timeout, or it had what it needed): nothing to answer.
                }
            }
        }

        private static bool EndsHeaders(List<byte> request)
        {
            var n = request.Count;
            return n >= 4 && request[n - 4] == '\r' && request[n - 3] == '\n' && request[n - 2] == '\r' && request[n - 1] == '\n';
        }
    }
}
