using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// A progressive load's previews are decoded from the bytes that have arrived, and those bytes are held to
/// <see cref="DecodingLimits.MaxFrameCount"/> as the finished image's are: counted from the GIF's blocks or the WebP's
/// chunks before Skia parses them. Skia answers a frame count by parsing every frame (WebP: looking each one up from the
/// start of its index), so a preview of a 5 MB WebP of 100,000 tiny frames took about 10 s of CPU, per preview, where the
/// finished image is refused in milliseconds.
/// </summary>
[TestClass]
public sealed class PreviewFrameLimitTests
{
    private static readonly DecodingLimits s_tenFrames = new() { MaxFrameCount = 10 };

    [TestMethod]
    [DataRow("gif")]
    [DataRow("webp")]
    public void PreviewDecoder_ArrivedFramesOverMaxFrameCount_IsRefusedLikeTheFinishedImage(string format)
    {
        var data = Animation(format, frames: 12);
        var arrived = data.AsSpan(0, data.Length - 1).ToArray(); // the last frame is still on its way

        Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Decode(data, new ImageDecodeOptions { Limits = s_tenFrames }));
        var error = Assert.Throws<ImageLimitExceededException>(() => PreviewDecoder.TryDecode(arrived, s_tenFrames)?.Dispose());
        StringAssert.Contains(error.Message, "DecodingLimits.MaxFrameCount");
    }

    [TestMethod]
    [DataRow("gif")]
    [DataRow("webp")]
    public void PreviewDecoder_ArrivedFramesWithinMaxFrameCount_ShowsTheFirstFrame(string format)
    {
        var data = Animation(format, frames: 10);

        using var preview = PreviewDecoder.TryDecode(data, s_tenFrames);

        Assert.IsNotNull(preview);
        Assert.AreEqual((1, 1), (preview.Width, preview.Height));
        Assert.AreEqual(0xFF, preview.Pixels[3], "the one-pixel frame is opaque");
    }

    private static byte[] Animation(string format, int frames) =>
        format == "gif" ? TinyFrameAnimations.Gif(frames) : TinyFrameAnimations.WebP(frames);
}
