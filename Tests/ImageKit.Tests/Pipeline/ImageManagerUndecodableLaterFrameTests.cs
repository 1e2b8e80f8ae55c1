using ImageKit.Decoding;
using ImageKit.Tests.Decoding;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// An animation whose frame 2 does not decode, while frames 0 and 1 do. The frame that fails takes the animation out of
/// the caches and makes its loads fail fast "like a load that failed to decode" (README), and those are remembered for
/// the bytes and the decode options: the first frame alone (the thumbnail lists' <see cref="ImageLoadOptions.FirstFrameOnly"/>)
/// decodes, and must still load. It failed fast for five minutes, also when it was in the memory cache.
/// </summary>
[TestClass]
public sealed class ImageManagerUndecodableLaterFrameTests
{
    private static readonly ImageLoadOptions s_firstFrame = new() { FirstFrameOnly = true };
    private static readonly byte[] s_brokenFrame2 = BrokenFrame2();
    private string _cacheDir = null!;
    private int _hits;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-undecodable-later-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    [TestMethod]
    public async Task LaterFrameThatDoesNotDecode_TheFirstFrameInMemoryIsStillAnswered()
    {
        await using var server = await StartServerAsync();
        await using var manager = ImageManagerTests.NewManager(_cacheDir);
        var url = server.Url("/broken.gif");
        var token = TestContext.CancellationToken;
        (await manager.LoadImageAsync(url, s_firstFrame with { WaitForDiskStore = true }, cancellationToken: token)).Dispose();
        await BreakTheWholeAnimationAsync(manager, url);

        using var first = await manager.LoadImageAsync(url, s_firstFrame, cancellationToken: token);

        Assert.AreEqual(ImageLoadSource.Memory, first.Source);
        using var frame = first.Image.GetFrame(0);
        await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: token), "the whole animation still fails fast");
    }

    [TestMethod]
    public async Task LaterFrameThatDoesNotDecode_TheFirstFrameIsLoadedAgain()
    {
        await using var server = await StartServerAsync();
        await using var manager = ImageManagerTests.NewManager(_cacheDir);
        var url = server.Url("/broken.gif");
        var token = TestContext.CancellationToken;
        await BreakTheWholeAnimationAsync(manager, url);

        using var first = await manager.LoadImageAsync(url, s_firstFrame, cancellationToken: token);

        Assert.AreEqual(ImageLoadSource.Network, first.Source, "the broken copy left the disk cache");
        using var frame = first.Image.GetFrame(0);
        Assert.AreEqual(2, _hits);
    }

    // Loads the whole animation, meets the broken frame, and waits until the copy is out of the caches.
    private async Task BreakTheWholeAnimationAsync(ImageManager manager, Uri url)
    {
        using (var whole = await manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(3, whole.Image.FrameCount);
            using (whole.Image.GetFrame(1))
            {
            }

            Assert.ThrowsExactly<ImageDecodingException>(() => whole.Image.GetFrame(2));
        }

        await manager.WhenUndecodableForgottenAsync();
    }

    // Three 1×1 frames; frame 2's LZW data refers to codes its table does not hold.
    private static byte[] BrokenFrame2()
    {
        var data = DecodingLimitsTests.Gif(1, 1, frames: 3);
        var frame2Data = 19 + (23 * 2) + 8 + 10 + 2; // header and palette, two frames, frame 2's extension and descriptor, code size and length
        data[frame2Data] = 0xFF;
        data[frame2Data + 1] = 0xFF;
        return data;
    }

    private Task<LoopbackServer> StartServerAsync() => LoopbackServer.StartAsync(
        app => app.MapGet("/broken.gif", (HttpContext context) =>
        {
            Interlocked.Increment(ref _hits);
            return LoopbackServer.Bytes(s_brokenFrame2, "image/gif")(context);
        }),
        TestContext.CancellationToken);
}
