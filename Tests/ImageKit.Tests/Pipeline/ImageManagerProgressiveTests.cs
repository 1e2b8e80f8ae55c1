using System.Collections.Concurrent;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SkiaSharp;

namespace ImageKit.Tests.Pipeline;

/// <summary><see cref="ImageLoadOptions.Progressive"/>: previews of what has arrived, while it arrives, and never after.</summary>
[TestClass]
public sealed class ImageManagerProgressiveTests
{
    private const int Chunks = 10;
    private static readonly byte[] s_jpeg = MakeJpeg(480, 360);
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_previewSeen = new();
    private static LoopbackServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await LoopbackServer.StartAsync(
            app =>
            {
                app.MapGet("/slow/{n}", (HttpContext http, string n) => SendSlowlyAsync(http, previewSeen: null));

                // As /slow, but holds the second half until the test has seen a preview: on a loaded machine the previewer
                // may not get the CPU within the 600 ms of a free-running drip, and then there is nothing to preview.
                app.MapGet("/until-preview/{n}", (HttpContext http, string n) => SendSlowlyAsync(http, PreviewSeen(n).Task));
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    private static TaskCompletionSource PreviewSeen(string name) =>
        s_previewSeen.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private static async Task SendSlowlyAsync(HttpContext http, Task? previewSeen)
    {
        http.Response.ContentType = "image/jpeg";
        http.Response.ContentLength = s_jpeg.Length;
        var chunk = (s_jpeg.Length + Chunks - 1) / Chunks;
        for (var offset = 0; offset < s_jpeg.Length; offset += chunk)
        {
            if (offset == chunk * (Chunks / 2) && previewSeen is not null)
            {
                try
                {
                    await previewSeen.WaitAsync(TimeSpan.FromSeconds(30), http.RequestAborted);
                }
                catch (TimeoutException)
                {
                    // No preview came: send the rest, and the test's assertion says what is wrong.
                }
            }

            await http.Response.Body.WriteAsync(s_jpeg.AsMemory(offset, Math.Min(chunk, s_jpeg.Length - offset)));
            await http.Response.Body.FlushAsync();
            await Task.Delay(60);
        }
    }

    [TestMethod]
    public async Task LoadImageAsync_ProgressiveOverASlowResponse_ReportsPreviewsOfTheRowsSoFarAndNoneAfterReturning()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var progress = new Recorder { PreviewSeen = PreviewSeen("a") };

        using (var result = await manager.LoadImageAsync(s_server.Url("/until-preview/a"), new ImageLoadOptions { Progressive = true }, progress, TestContext.CancellationToken))
        {
            progress.LoadReturned();
            using var final = result.Image.GetFrame(0);
            var previews = progress.Previews;
            Assert.IsNotEmpty(previews, "half the image, held until a preview shows, gives the previewer all the time it needs");
            foreach (var (bytes, preview) in previews)
            {
                Assert.AreEqual((final.Width, final.Height), (preview.Width, preview.Height));
                Assert.IsLessThan(s_jpeg.Length, bytes, "no preview of the complete data (the real decode follows)");
                CollectionAssert.AreEqual(final.Pixels[..final.RowBytes].ToArray(), preview.Pixels[..preview.RowBytes].ToArray(), "the first row has arrived in every preview");
            }

            var earliest = previews[0].Frame;
            var lastRow = earliest.Pixels[(earliest.RowBytes * (earliest.Height - 1))..];
            Assert.IsTrue(lastRow.ToArray().All(b => b == 0), "the last row of the earliest preview has not arrived: transparent");
        }

        await Task.Delay(200, TestContext.CancellationToken);
        Assert.AreEqual(0, progress.PreviewsAfterReturn);
        progress.DisposePreviews();
    }

    [TestMethod]
    public async Task LoadImageAsync_DataCompletesWhileAPreviewIsBeingReported_ReturnsOnlyAfterThatReport()
    {
        // The loader completes once the preview of the first half is being handed to the caller (whose handler is slow):
        // the load must not return while that report is still running, or the caller could see a preview after the image.
        await using var manager = new ImageManager(new ImageCacheOptions());
        var progress = new Recorder { SlowPreviews = true };
        manager.Loaders.Insert(0, new HalfThenAllLoader(MakeJpeg(640, 480), progress.PreviewStarted.Task));

        using (await manager.LoadImageAsync(new Uri("halfway://image"), new ImageLoadOptions { Progressive = true }, progress, TestContext.CancellationToken))
        {
            progress.LoadReturned();
        }

        Assert.HasCount(1, progress.Previews);
        Assert.AreEqual(0, progress.PreviewsAfterReturn);
        Assert.IsTrue(progress.PreviewReportsFinishedBeforeReturn, "the preview's report finished before the load returned");
        progress.DisposePreviews();
    }

    [TestMethod]
    public async Task LoadImageAsync_DataCompletesWhileAPreviewDecodes_DropsThatPreview()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        manager.Loaders.Insert(0, new HalfThenAllLoader(MakeJpeg(3000, 2000), Task.CompletedTask));

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var progress = new Recorder();
            using (await manager.LoadImageAsync(new Uri($"halfway://image/{attempt}"), new ImageLoadOptions { Progressive = true }, progress, TestContext.CancellationToken))
            {
                progress.LoadReturned();
            }

            await Task.Delay(300, TestContext.CancellationToken);
            Assert.AreEqual(0, progress.PreviewsAfterReturn, $"attempt {attempt}");
            progress.DisposePreviews();
        }
    }

    [TestMethod]
    public async Task LoadImageAsync_NotProgressive_ReportsBytesButNoPreviews()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var progress = new Recorder();

        using var result = await manager.LoadImageAsync(s_server.Url("/slow/b"), progress: progress, cancellationToken: TestContext.CancellationToken);

        Assert.IsGreaterThan(1, progress.Reports);
        Assert.IsEmpty(progress.Previews);
        Assert.AreEqual(0, progress.ReportsWithPartialData);
    }

    [TestMethod]
    public async Task LoadImageAsync_ProgressiveFromTheMemoryCache_ReportsNoPreviews()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var options = new ImageLoadOptions { Progressive = true };
        using (await manager.LoadImageAsync(s_server.Url("/slow/c"), options, cancellationToken: TestContext.CancellationToken))
        {
        }

        var progress = new Recorder();
        using var hit = await manager.LoadImageAsync(s_server.Url("/slow/c"), options, progress, TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Memory, hit.Source);
        Assert.IsEmpty(progress.Previews);
    }

    internal static byte[] MakeJpeg(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height), [SKColors.Navy, SKColors.Orange], SKShaderTileMode.Clamp) })
        {
            canvas.DrawRect(0, 0, width, height, paint);
            var random = new Random(3);
            using var dot = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 400; i++)
            {
                dot.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(2, 12), dot);
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 92);
        return data.ToArray();
    }

    // Reports the first half with its bytes, waits for `proceed`, then returns everything.
    private sealed class HalfThenAllLoader(byte[] data, Task proceed) : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "halfway";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Assert.IsTrue(request.ReportPartialData, "a progressive load asks for partial data");
            progress?.Report(new ImageLoadProgress(data.Length / 2, data.Length) { PartialData = data.AsMemory(0, data.Length / 2) });
            await proceed.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            return new ImageLoaderResponse(request.Url, data);
        }
    }

    private sealed class Recorder : IProgress<ImageLoadProgress>
    {
        private readonly Lock _lock = new();
        private readonly List<(long Bytes, ImageFrame Frame)> _previews = [];
        private bool _returned;

        public bool SlowPreviews { get; init; }

        public TaskCompletionSource PreviewStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completed on the first preview (lets /until-preview send the rest of the image).</summary>
        public TaskCompletionSource? PreviewSeen { get; init; }

        public bool PreviewReportsFinishedBeforeReturn { get; private set; } = true;

        public int Reports { get; private set; }

        public int ReportsWithPartialData { get; private set; }

        public int PreviewsAfterReturn { get; private set; }

        public List<(long Bytes, ImageFrame Frame)> Previews
        {
            get
            {
                lock (_lock)
                {
                    return [.. _previews];
                }
            }
        }

        public void Report(ImageLoadProgress value)
        {
            if (SlowPreviews && value.Preview is not null)
            {
                PreviewStarted.TrySetResult();
                Thread.Sleep(300);
                lock (_lock)
                {
                    PreviewReportsFinishedBeforeReturn &= !_returned;
                }
            }

            lock (_lock)
            {
                Reports++;
                ReportsWithPartialData += value.PartialData.IsEmpty ? 0 : 1;
                if (value.Preview is { } preview)
                {
                    PreviewsAfterReturn += _returned ? 1 : 0;
                    _previews.Add((value.BytesReceived, preview));
                    PreviewSeen?.TrySetResult();
                }
            }
        }

        public void LoadReturned()
        {
            lock (_lock)
            {
                _returned = true;
            }
        }

        public void DisposePreviews()
        {
            foreach (var (_, frame) in Previews)
            {
                frame.Dispose();
            }
        }
    }

    // Promise: progress handlers cannot break a load ("Exceptions it throws are ignored" for the downloader's progress;
    // byte reports through the manager are swallowed the same way). A handler that throws on a *preview* report instead
    // fails the whole load with the handler's exception, although the image downloaded and decoded fine.
    [TestMethod]
    public async Task LoadImageAsync_ProgressHandlerThrowsOnAPreview_LoadStillSucceeds()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var previews = 0;
        var seen = PreviewSeen("throwing-preview");
        var progress = new Loading.SynchronousProgress<ImageLoadProgress>(p =>
        {
            if (p.Preview is { } preview)
            {
                preview.Dispose();
                Interlocked.Increment(ref previews);
                seen.TrySetResult();
                throw new InvalidOperationException("handler bug");
            }
        });

        Exception? failure = null;
        try
        {
            using var result = await manager.LoadImageAsync(s_server.Url("/until-preview/throwing-preview"), new ImageLoadOptions { Progressive = true }, progress, TestContext.CancellationToken);
        }
        catch (Exception e)
        {
            failure = e;
        }

        Assert.IsGreaterThan(0, previews, "precondition: a preview was reported");
        Assert.IsNull(failure, $"the load failed with the progress handler's exception: {failure}");
    }
}
