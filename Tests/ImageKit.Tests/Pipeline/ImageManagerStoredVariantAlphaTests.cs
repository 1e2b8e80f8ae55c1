using System.Drawing;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A thumbnail or transformed still stored on disk keeps the transparency of its pixels, also where the encoded image
/// declares none: a GIF without a transparent colour whose first image does not cover its canvas leaves the rest of the
/// canvas transparent, as browsers show it, and a disk hit must show the same pixels as the load that stored it.
/// </summary>
[TestClass]
public sealed class ImageManagerStoredVariantAlphaTests
{
    private const int Canvas = 300;
    private const int Covered = 200; // the first image covers (0, 0)–(200, 200) of the 300 × 300 canvas
    private static readonly byte[] s_partialGif = PartialCanvasGif();
    private string _cacheDir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-variant-alpha-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    [TestMethod]
    public async Task LoadImageAsync_ThumbnailOfAGifWhoseImageDoesNotCoverItsCanvas_IsTransparentThereFromDiskToo()
    {
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/partial.gif", LoopbackServer.Bytes(s_partialGif, "image/gif")),
            TestContext.CancellationToken);
        var url = server.Url("/partial.gif");
        var thumbnail = new ImageLoadOptions { ThumbnailPixelSize = new Size(100, 100) };
        byte[] asLoaded;

        await using (var manager = ImageManagerTests.NewManager(_cacheDir))
        {
            using var loaded = await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Network, loaded.Source);
            Assert.IsFalse(loaded.Image.HasAlpha, "premise: the GIF declares no transparency");
            AssertTransparentOutsideTheImage(loaded.Image, "as loaded");
            asLoaded = Pixels(loaded.Image);
        }

        await using (var restarted = ImageManagerTests.NewManager(_cacheDir))
        {
            var decodeOptions = new ImageDecodeOptions { ThumbnailPixelSize = thumbnail.ThumbnailPixelSize };
            using (var hit = await restarted.Cache.QueryAsync(url.AbsoluteUri, ImageCacheType.Disk, decodeOptions, TestContext.CancellationToken))
            {
                Assert.IsNotNull(hit);
                Assert.IsNull(hit.TransformedFrom, "premise: the stored thumbnail, not the original made into one again");
                AssertTransparentOutsideTheImage(hit.Image, "the stored thumbnail");

                // The edge the scaling blended with the transparent rest is partly transparent: premultiplied there, it
                // must come back as it went (within the one level a premultiplied round trip may move), not darkened.
                var stored = Pixels(hit.Image);
                Assert.HasCount(asLoaded.Length, stored);
                var worst = asLoaded.Zip(stored, (a, b) => Math.Abs(a - b)).Max();
                Assert.IsLessThanOrEqualTo(1, worst, "largest difference of a channel between the thumbnail as loaded and as stored");
            }

            using var fromDisk = await restarted.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Disk, fromDisk.Source);
            AssertTransparentOutsideTheImage(fromDisk.Image, "from disk");
            Assert.IsFalse(fromDisk.Image.HasAlpha, "the variant says what the original declares, as the load that stored it did");
        }
    }

    private static byte[] Pixels(AnimatedImage image)
    {
        using var frame = image.GetFrame(0);
        var rows = new byte[frame.Width * 4 * frame.Height];
        for (var y = 0; y < frame.Height; y++)
        {
            frame.Pixels.Slice(y * frame.RowBytes, frame.Width * 4).CopyTo(rows.AsSpan(y * frame.Width * 4));
        }

        return rows;
    }

    private static void AssertTransparentOutsideTheImage(AnimatedImage image, string when)
    {
        using var frame = image.GetFrame(0);
        var scale = (double)frame.Width / Canvas;
        var inside = (int)(Covered * scale / 2);
        var outside = frame.Width - 2;
        var pixels = frame.Pixels;
        Assert.AreEqual(255, pixels[(inside * frame.RowBytes) + (inside * 4) + 3], $"{when}: inside the first image, opaque");
        Assert.AreEqual(0, pixels[(outside * frame.RowBytes) + (outside * 4) + 3], $"{when}: outside the first image, transparent");
    }

    /// <summary>
    /// A GIF89a of one 200 × 200 image of random colours (256 of them, none transparent) at the top left of a 300 × 300
    /// canvas. Its LZW data is written one 9-bit code per pixel, with a clear code every 100 pixels so that the code
    /// width never grows: large (~45 KB), as a photo-like GIF is, so its thumbnail is worth storing.
    /// </summary>
    private static byte[] PartialCanvasGif()
    {
        var random = new Random(7);
        var stream = new MemoryStream();
        stream.Write("GIF89a"u8);
        stream.Write([Canvas & 0xFF, Canvas >> 8, Canvas & 0xFF, Canvas >> 8, 0xF7, 0, 0]); // global table of 256 colours
        var palette = new byte[256 * 3];
        random.NextBytes(palette);
        stream.Write(palette);
        stream.Write([0x2C, 0, 0, 0, 0, (byte)Covered, Covered >> 8, (byte)Covered, Covered >> 8, 0]);
        stream.WriteByte(8); // minimum code size

        var codes = new List<int>();
        for (var i = 0; i < Covered * Covered; i++)
        {
            if (i % 100 == 0)
            {
                codes.Add(256); // clear
            }

            codes.Add(random.Next(256));
        }

        codes.Add(257); // end of information
        var data = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var code in codes)
        {
            buffer |= code << bits;
            bits += 9;
            while (bits >= 8)
            {
                data.Add((byte)buffer);
                buffer >>= 8;
                bits -= 8;
            }
        }

        if (bits > 0)
        {
            data.Add((byte)buffer);
        }

        for (var offset = 0; offset < data.Count; offset += 255)
        {
            var length = Math.Min(255, data.Count - offset);
            stream.WriteByte((byte)length);
            stream.Write(data.GetRange(offset, length).ToArray());
        }

        stream.WriteByte(0); // block terminator
        stream.WriteByte(0x3B);
        return stream.ToArray();
    }
}
