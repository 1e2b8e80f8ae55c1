using System.Net;
using BenchmarkDotNet.Attributes;
using ImageKit.Loading;

namespace ImageKit.Benchmarks;

/// <summary>
/// What <see cref="ImageDownloader"/> costs per download without sockets: an in-memory handler answers at once with a
/// 17 KB body of known length (the pipeline benchmark's median image), beside a bare <see cref="HttpClient"/> reading the
/// same answer. Queue, coalescing, Polly, body reading and validation are all in; the network is not.
/// </summary>
[MemoryDiagnoser]
public class DownloaderOverheadBenchmarks
{
    private static readonly Uri s_url = new("http://bench.invalid/image.png");
    private HttpClient _bare = null!;
    private ImageDownloader _downloader = null!;
    private ImageDownloader _noResilience = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var bitmap = new SkiaSharp.SKBitmap(96, 96);
        bitmap.Erase(SkiaSharp.SKColors.Coral);
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        var body = new byte[17 * 1024];
        data.AsSpan().CopyTo(body);
        _bare = new HttpClient(new InstantHandler(body));
        _downloader = new ImageDownloader(new HttpClient(new InstantHandler(body)));
        _noResilience = new ImageDownloader(new HttpClient(new InstantHandler(body)), new ImageDownloaderOptions
        {
            Retry = new ImageDownloadRetryOptions { MaxRetries = 0 },
            CircuitBreaker = new ImageDownloadCircuitBreakerOptions { Enabled = false },
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _downloader.Dispose();
        _noResilience.Dispose();
        _bare.Dispose();
    }

    // 100 downloads one after another on a pool thread per invocation, as loads run in an app (a download that finds a
    // free slot starts on the caller's pool thread); the hop onto the pool is paid once per 100.
    private const int Batch = 100;

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public Task<int> BareHttpClient() => Task.Run(async () =>
    {
        var total = 0;
        for (var i = 0; i < Batch; i++)
        {
            total += (await _bare.GetByteArrayAsync(s_url)).Length;
        }

        return total;
    });

    [Benchmark(OperationsPerInvoke = Batch)]
    public Task<int> ImageDownloaderDownload() => DownloadBatch(_downloader);

    [Benchmark(OperationsPerInvoke = Batch)]
    public Task<int> ImageDownloaderNoRetryNoBreaker() => DownloadBatch(_noResilience);

    private static Task<int> DownloadBatch(ImageDownloader downloader) => Task.Run(async () =>
    {
        var total = 0;
        for (var i = 0; i < Batch; i++)
        {
            total += (await downloader.DownloadAsync(new ImageDownloadRequest(s_url))).Data.Length;
        }

        return total;
    });

    private sealed class InstantHandler(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
            content.Headers.ContentLength = body.Length;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }
}
