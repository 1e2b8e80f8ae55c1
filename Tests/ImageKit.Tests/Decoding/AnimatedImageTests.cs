using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

[TestClass]
public sealed class AnimatedImageTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("any-disposal.gif")]
    [DataRow("mixed-disposal.gif")]
    [DataRow("dispose_prev_first_frame.gif")]
    [DataRow("TestImageBlendAnimated.webp")]
    [DataRow("TestImageAnimated.webp")]
    [DataRow("iss634.gif")]
    public void GetFrame_RandomOrder_EqualsInOrderFrames(string file)
    {
        var data = Corpus.Read(file);
        var inOrder = PixelsInOrder(data);

        var random = new Random(7);
        using var shuffled = AnimatedImage.Decode(data);
        for (var n = 0; n < 3 * inOrder.Length; n++)
        {
            var index = random.Next(inOrder.Length);
            using var frame = shuffled.GetFrame(index);
            CollectionAssert.AreEqual(inOrder[index], frame.Pixels.ToArray(), $"frame {index} at step {n}");
        }
    }

    [TestMethod]
    public async Task GetFrame_FromSeveralThreads_ReturnsTheSameFrames()
    {
        var data = Corpus.Read("iss634.gif");
        var expected = PixelsInOrder(data);

        using var shared = AnimatedImage.Decode(data);
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            for (var n = 0; n < 200; n++)
            {
                var index = worker % 2 == 0 ? n % expected.Length : random.Next(expected.Length);
                using var frame = shared.GetFrame(index);
                if (!frame.Pixels.SequenceEqual(expected[index]))
                {
                    throw new AssertFailedException($"worker {worker}: frame {index} differs");
                }
            }
        }, TestContext.CancellationToken));
        await Task.WhenAll(workers);
    }

    [TestMethod]
    public void GetFrame_AfterImageDisposed_FramesStillReadableAndNewFramesRefused()
    {
        var image = AnimatedImage.Decode(Corpus.Read("any-disposal.gif"));
        using var frame = image.GetFrame(2);
        var before = frame.Pixels.ToArray();
        image.Dispose();
        image.Dispose();

        CollectionAssert.AreEqual(before, frame.Pixels.ToArray());
        Assert.Throws<ObjectDisposedException>(() => image.GetFrame(0));
    }

    [TestMethod]
    public void Share_DisposingOneLease_KeepsTheOtherValid()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("any-disposal.gif"));
        var first = image.GetFrame(1);
        using var second = first.Share();
        var pixels = first.Pixels.ToArray();
        first.Dispose();
        first.Dispose();

        Assert.IsTrue(first.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => _ = first.Pixels.Length);
        CollectionAssert.AreEqual(pixels, second.Pixels.ToArray());
    }

    [TestMethod]
    public void GetFrame_HeldFrame_IsNotOverwrittenByLaterFrames()
    {
        // In-order decoding reuses the previous canvas only when nobody holds it.
        using var image = AnimatedImage.Decode(Corpus.Read("any-disposal.gif"));
        using var held = image.GetFrame(0);
        var snapshot = held.Pixels.ToArray();
        for (var i = 1; i < image.FrameCount; i++)
        {
            image.GetFrame(i).Dispose();
        }

        CollectionAssert.AreEqual(snapshot, held.Pixels.ToArray());
    }

    [TestMethod]
    public void GetFrame_OutOfRange_Throws()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("any-disposal.gif"));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.GetFrame(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.GetFrame(image.FrameCount));
    }

    [TestMethod]
    public void EffectiveFrameDurations_ShortDelays_PlayAs100MsByDefaultAndAsEncodedWhenAsked()
    {
        var data = Corpus.Read("sample_big.gif"); // every delay is 0 ms
        using var browser = AnimatedImage.Decode(data);
        using var asEncoded = AnimatedImage.Decode(data, new ImageDecodeOptions { FrameDurations = FrameDurationPolicy.AsEncoded });

        Assert.IsTrue(browser.FrameDurations.All(d => d == TimeSpan.Zero));
        Assert.IsTrue(browser.EffectiveFrameDurations.All(d => d == TimeSpan.FromMilliseconds(100)));
        Assert.AreEqual(TimeSpan.FromMilliseconds(100 * browser.FrameCount), browser.TotalDuration);
        Assert.IsTrue(asEncoded.EffectiveFrameDurations.All(d => d == TimeSpan.Zero));
    }

    [TestMethod]
    [DataRow(GifLoopCountSemantics.Browser, 3)]
    [DataRow(GifLoopCountSemantics.ImageIO, 2)]
    public void LoopCount_GifLoopField2_FollowsTheChosenSemantics(GifLoopCountSemantics semantics, int expected)
    {
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"), new ImageDecodeOptions { GifLoopCount = semantics });
        Assert.AreEqual(expected, image.LoopCount);
    }

    [TestMethod]
    public void Decode_FirstFrameOnly_ReturnsAOneFrameStill()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("iss634.gif"), new ImageDecodeOptions { FirstFrameOnly = true });
        Assert.AreEqual(1, image.FrameCount);
        Assert.AreEqual(1, image.LoopCount);
        Assert.IsFalse(image.IsAnimated);
        image.GetFrame(0).Dispose();
    }

    [TestMethod]
    public void ToRgba_PremultipliedTransparentPixels_ComeOutStraight()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("any-disposal.gif"));
        using var frame = image.GetFrame(0);
        var rgba = frame.ToRgba();
        var bgra = frame.Pixels;
        for (var i = 0; i < rgba.Length; i += 4)
        {
            Assert.AreEqual(bgra[i + 3], rgba[i + 3], "alpha");
            if (bgra[i + 3] == 255)
            {
                Assert.AreEqual(bgra[i + 2], rgba[i], "red");
                Assert.AreEqual(bgra[i], rgba[i + 2], "blue");
            }
        }
    }

    private static byte[][] PixelsInOrder(byte[] data)
    {
        using var image = AnimatedImage.Decode(data);
        return Enumerable.Range(0, image.FrameCount).Select(i =>
        {
            using var frame = image.GetFrame(i);
            return frame.Pixels.ToArray();
        }).ToArray();
    }
}
