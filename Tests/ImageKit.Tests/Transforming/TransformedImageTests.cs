using System.Drawing;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.Pipeline;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;
using ImageKit.Transforming.Internal;

namespace ImageKit.Tests.Transforming;

/// <summary>
/// How transformers fit into decoding: every frame of an animation, ownership of the untransformed image, errors from the
/// app's own transformers, limits, options, memory-cache keys and progressive previews.
/// </summary>
[TestClass]
public sealed class TransformedImageTests
{
    [TestMethod]
    public void Decode_AnimationWithATransformer_TransformsEveryCompositedFrameAndKeepsTheTiming()
    {
        var gif = Corpus.Read("alphabetAnim.gif");
        using var original = AnimatedImage.Decode(gif);
        using var grey = AnimatedImage.Decode(gif, new ImageDecodeOptions { Transformers = [new GrayscaleTransformer()] });

        Assert.IsGreaterThan(1, original.FrameCount);
        Assert.AreEqual(original.FrameCount, grey.FrameCount);
        Assert.AreEqual(original.LoopCount, grey.LoopCount);
        CollectionAssert.AreEqual(original.FrameDurations.ToArray(), grey.FrameDurations.ToArray());
        var size = new Size(original.PixelWidth, original.PixelHeight);
        for (var i = 0; i < original.FrameCount; i++)
        {
            using var frame = original.GetFrame(i);
            var expected = new byte[frame.ByteCount];
            new GrayscaleTransformer().Transform(frame.Pixels, size, expected, size);
            using var transformed = grey.GetFrame(i);
            Assert.IsTrue(transformed.Pixels.SequenceEqual(expected), $"frame {i} is its composited frame turned grey");
        }
    }

    [TestMethod]
    public void Decode_AppTransformer_GetsCompositedFramesAndATransparentOutput()
    {
        var recorder = new RecordingTransformer();
        using var image = AnimatedImage.Decode(Corpus.Read("alphabetAnim.gif"), new ImageDecodeOptions { Transformers = [recorder] });
        Assert.AreEqual((recorder.Output.Width, recorder.Output.Height), (image.PixelWidth, image.PixelHeight));
        for (var i = image.FrameCount - 1; i >= 0; i--)
        {
            using var frame = image.GetFrame(i); // backwards: each frame composited from scratch
            Assert.AreEqual(0x5A, frame.Pixels[0]);
        }

        Assert.AreEqual(image.FrameCount, recorder.Calls);
        Assert.IsTrue(recorder.OutputsWereClear, "every output started transparent");
    }

    [TestMethod]
    public void GetFrame_AppTransformerThrows_FailsWithImageTransformExceptionNamingIt()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("TestImage.png"), new ImageDecodeOptions { Transformers = [new FailingTransformer(inTransform: true)] });
        var e = Assert.ThrowsExactly<ImageTransformException>(() => image.GetFrame(0));
        Assert.AreEqual("failing", e.TransformerKey);
        Assert.IsInstanceOfType<InvalidOperationException>(e.InnerException);
        StringAssert.Contains(e.Message, "the transformer 'failing' failed on a");
        StringAssert.Contains(e.Message, "broken on purpose");
    }

    [TestMethod]
    public void Decode_AppTransformerRefusesTheSize_FailsWithImageTransformExceptionNamingTheSource()
    {
        var e = Assert.ThrowsExactly<ImageTransformException>(() => AnimatedImage.Decode(
            Corpus.Read("TestImage.png"), new ImageDecodeOptions { Transformers = [new FailingTransformer(inTransform: false)], SourceName = "avatar.png" }));
        Assert.AreEqual("failing", e.TransformerKey);
        Assert.AreEqual("avatar.png", e.SourceName);
    }

    [TestMethod]
    public void Decode_TransformerGivesAnEmptySize_FailsWithImageTransformException()
    {
        var e = Assert.ThrowsExactly<ImageTransformException>(() => AnimatedImage.Decode(
            Corpus.Read("TestImage.png"), new ImageDecodeOptions { Transformers = [new SizedTransformer(new Size(0, 5))] }));
        StringAssert.Contains(e.Message, "gave an output size of 0x5");
    }

    [TestMethod]
    public void Decode_TransformerOutputBeyondTheLimits_FailsBeforeAnyPixelIsMade()
    {
        var options = new ImageDecodeOptions
        {
            Limits = new DecodingLimits { MaxPixelsPerFrame = 1_000_000 },
            Transformers = [new ResizeTransformer(new Size(2000, 2000), ResizeMode.Stretch)],
        };
        Assert.ThrowsExactly<ImageLimitExceededException>(() => AnimatedImage.Decode(Corpus.Read("TestImage.png"), options));
    }

    [TestMethod]
    public void TransformedImage_OwnsTheUntransformedImage_OnSuccessAndOnFailure()
    {
        var (inner, source) = CountingSource.Create(frameCount: 3);
        var image = new AnimatedImage(TransformedImageSource.Create(inner, [new GrayscaleTransformer()]), ReadOnlyMemory<byte>.Empty);
        using (var frame = image.GetFrame(2))
        {
            Assert.AreEqual(8, frame.Width);
        }

        Assert.AreEqual(0, source.Disposals);
        image.Dispose();
        Assert.AreEqual(1, source.Disposals, "disposing the transformed image releases the one it wraps, once");

        var (refused, refusedSource) = CountingSource.Create();
        Assert.ThrowsExactly<ImageTransformException>(() => TransformedImageSource.Create(refused, [new CropTransformer(new Rectangle(100, 100, 5, 5))]));
        Assert.AreEqual(1, refusedSource.Disposals, "a refused transform releases the image it was given");
    }

    [TestMethod]
    public void Transformers_Option_IsCopiedAndRefusesNullsAndEmptyKeys()
    {
        var list = new List<ImageTransformer> { new GrayscaleTransformer() };
        var options = new ImageDecodeOptions { Transformers = list };
        list.Add(new CircleTransformer());
        Assert.HasCount(1, options.Transformers, "changing the list afterwards does not change the options");

        Assert.ThrowsExactly<ArgumentNullException>(() => new ImageDecodeOptions { Transformers = null! });
        Assert.ThrowsExactly<ArgumentException>(() => new ImageDecodeOptions { Transformers = [null!] });
        Assert.ThrowsExactly<ArgumentException>(() => new ImageLoadOptions { Transformers = [new SizedTransformer(new Size(1, 1), key: "")] });
    }

    [TestMethod]
    public void MemoryCacheKey_DiffersByTransformerListAndOrder_AndMatchesForEqualKeys()
    {
        static string KeyOf(params ImageTransformer[] transformers) =>
            MemoryCacheKey.For("https://example.com/a.png", new ImageDecodeOptions { Transformers = transformers });

        var round = KeyOf(new RoundCornersTransformer(4), new GrayscaleTransformer());
        Assert.AreEqual(round, KeyOf(new RoundCornersTransformer(4), new GrayscaleTransformer()));
        Assert.AreNotEqual(round, KeyOf(new GrayscaleTransformer(), new RoundCornersTransformer(4)));
        Assert.AreNotEqual(round, KeyOf(new RoundCornersTransformer(5), new GrayscaleTransformer()));
        Assert.AreNotEqual(KeyOf(new SizedTransformer(Size.Empty, "a"), new SizedTransformer(Size.Empty, "b")), KeyOf(new SizedTransformer(Size.Empty, "a1:b")), "keys are delimited by their lengths");
        Assert.AreEqual("https://example.com/a.png", KeyOf(), "no transformer: the plain key");
    }

    [TestMethod]
    public void PreviewDecoder_WithTransformers_ShowsThePreviewAsTheFinishedImageWillBe()
    {
        var jpeg = ImageManagerProgressiveTests.MakeJpeg(480, 360);
        using var preview = PreviewDecoder.TryDecode(jpeg.AsSpan(0, jpeg.Length / 2), new ImageDecodeOptions { Transformers = [new CircleTransformer()] });
        Assert.IsNotNull(preview);
        Assert.AreEqual((360, 360), (preview.Width, preview.Height));
        Assert.AreEqual(0, preview.Pixels[3], "outside the circle");
        Assert.AreEqual(255, preview.Pixels[(90 * preview.RowBytes) + (180 * 4) + 3], "inside the circle, in the rows that have arrived");
    }

    [TestMethod]
    public void PreviewDecoder_ThumbnailTheCodecCannotHitWithACrop_CropsTheSamePartAtTheFinishedSize()
    {
        // A 200-pixel thumbnail of a 480-pixel JPEG: the finished image crops the 200 x 150 thumbnail, while libjpeg can
        // only preview it at 3/8 (180 x 135). Cropped there, pixel coordinates meant for the thumbnail cut another part of
        // the picture (and a rectangle near the thumbnail's edge missed the preview altogether).
        var jpeg = ImageManagerProgressiveTests.MakeJpeg(480, 360);
        var options = new ImageDecodeOptions { ThumbnailPixelSize = new Size(200, 200), Transformers = [new CropTransformer(new Rectangle(120, 80, 70, 60))] };
        using var finished = AnimatedImage.Decode(jpeg, options);
        using var expected = finished.GetFrame(0);

        using var preview = PreviewDecoder.TryDecode(jpeg, options);

        Assert.IsNotNull(preview);
        Assert.AreEqual((expected.Width, expected.Height), (preview.Width, preview.Height));
        double total = 0;
        for (var i = 0; i < expected.Height * expected.RowBytes; i++)
        {
            total += Math.Abs(preview.Pixels[i] - expected.Pixels[i]);
        }

        Assert.IsLessThan(6.0, total / (expected.Height * expected.RowBytes), "the same part of the picture");
    }

    [TestMethod]
    [DataRow(ResizeMode.Fit, 200, 150, 200, 150)]
    [DataRow(ResizeMode.Fill, 100, 100, 134, 100)]
    [DataRow(ResizeMode.Stretch, 100, 300, 400, 300)]
    public void Decode_StillWithAResizeFirst_IsDecodedStraightAtAboutTheSizeTheResizeNeeds(ResizeMode mode, int width, int height, int neededWidth, int neededHeight)
    {
        var decoder = new ReducingDecoder { ReducedSize = (500, 375) }; // a 4000 x 3000 still that decodes in eighths
        var registry = new ImageDecoderRegistry([decoder]);
        var options = new ImageDecodeOptions { Transformers = [new ResizeTransformer(new Size(width, height), mode), new RoundCornersTransformer(4)] };

        using var image = registry.Decode(Corpus.Read("any-disposal.gif"), options);
        using var frame = image.GetFrame(0);

        Assert.AreEqual((width, height), (frame.Width, frame.Height));
        Assert.AreEqual((neededWidth, neededHeight), decoder.Source!.AskedFor);
        CollectionAssert.AreEqual(new[] { (500, 375) }, decoder.Source.Rendered);
        Assert.AreEqual(0, decoder.Source.FullRenders, "never decoded at full size");
        Assert.AreEqual(ReducingSource.Blue, BitConverter.ToUInt32(frame.Pixels.Slice(((height / 2 * width) + (width / 2)) * 4, 4)));
    }

    [TestMethod]
    public void Decode_StillWithAResizeNotFirst_IsDecodedAtFullSize()
    {
        var decoder = new ReducingDecoder { ReducedSize = (500, 375) };
        var registry = new ImageDecoderRegistry([decoder]);
        var options = new ImageDecodeOptions { Transformers = [new GrayscaleTransformer(), new ResizeTransformer(new Size(200, 150))] };

        using var image = registry.Decode(Corpus.Read("any-disposal.gif"), options);
        using var frame = image.GetFrame(0);

        Assert.AreEqual(1, decoder.Source!.FullRenders, "a grayscale first needs every pixel");
        Assert.IsEmpty(decoder.Source.Rendered);
    }

    [TestMethod]
    public void Decode_JpegWithAResizeFirst_LooksLikeTheFullDecodeResized()
    {
        var jpeg = ImageManagerProgressiveTests.MakeJpeg(1200, 900);
        var fill = new ResizeTransformer(new Size(120, 120), ResizeMode.Fill);
        using var reduced = AnimatedImage.Decode(jpeg, new ImageDecodeOptions { Transformers = [fill] });
        using var full = AnimatedImage.Decode(jpeg);
        using var fullFrame = full.GetFrame(0);
        var expected = new byte[120 * 120 * 4];
        fill.Transform(fullFrame.Pixels, new Size(1200, 900), expected, new Size(120, 120));

        using var frame = reduced.GetFrame(0);
        double total = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            total += Math.Abs(frame.Pixels[i] - expected[i]);
        }

        // libjpeg's scaled IDCT (1/8 here: 150 x 113) then the resize, against the resize of the full decode.
        Assert.IsLessThan(2.0, total / expected.Length, $"mean difference per channel {total / expected.Length:0.00}");
    }

    [TestMethod]
    public void ReadmeSamples_InvertTransformerAndRoundAvatar_DoWhatTheReadmeSays()
    {
        var png = TestPictures.Png(4, 1, (x, _) => x == 0 ? new SkiaSharp.SKColor(255, 0, 0, 128) : SkiaSharp.SKColors.White);
        using (var inverted = AnimatedImage.Decode(png, new ImageDecodeOptions { Transformers = [new InvertTransformer()] }))
        using (var frame = inverted.GetFrame(0))
        {
            Assert.AreEqual((128, 128, 0, 128), TestPictures.Pixel(frame, 0, 0), "half-transparent red becomes half-transparent cyan");
            Assert.AreEqual((0, 0, 0, 255), TestPictures.Pixel(frame, 1, 0), "white becomes black");
        }

        var avatar = new ImageDecodeOptions
        {
            Transformers = [new ResizeTransformer(new Size(128, 128), ResizeMode.Fill), new CircleTransformer()],
        };
        using var photo = AnimatedImage.Decode(ImageManagerProgressiveTests.MakeJpeg(480, 360), avatar);
        Assert.AreEqual((128, 128), (photo.PixelWidth, photo.PixelHeight));
        using var round = photo.GetFrame(0);
        Assert.AreEqual(0, TestPictures.Pixel(round, 0, 0).A);
        Assert.AreEqual(255, TestPictures.Pixel(round, 64, 64).A);
    }

    // The README's example of an app's own transformer, as printed there.
    private sealed class InvertTransformer : ImageTransformer
    {
        public override string Key => "invert";

        public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
        {
            for (var i = 0; i < input.Length; i += 4)
            {
                var alpha = input[i + 3]; // premultiplied: a channel's inverse is alpha minus the channel
                output[i] = (byte)(alpha - input[i]);
                output[i + 1] = (byte)(alpha - input[i + 1]);
                output[i + 2] = (byte)(alpha - input[i + 2]);
                output[i + 3] = alpha;
            }
        }
    }

    private sealed class RecordingTransformer : ImageTransformer
    {
        private int _calls;
        private int _dirtyOutputs;

        public Size Output { get; } = new(30, 20);

        public int Calls => Volatile.Read(ref _calls);

        public bool OutputsWereClear => Volatile.Read(ref _dirtyOutputs) == 0;

        public override string Key => "recording";

        public override Size GetOutputSize(Size inputSize) => Output;

        public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
        {
            Interlocked.Increment(ref _calls);
            if (output.IndexOfAnyExcept((byte)0) >= 0)
            {
                Interlocked.Increment(ref _dirtyOutputs);
            }

            Assert.AreEqual(Output, outputSize);
            Assert.AreEqual(inputSize.Width * inputSize.Height * 4, input.Length);
            output.Fill(0x5A);
        }
    }

    private sealed class FailingTransformer(bool inTransform) : ImageTransformer
    {
        public override string Key => "failing";

        public override Size GetOutputSize(Size inputSize) =>
            inTransform ? inputSize : throw new InvalidOperationException("refuses every size on purpose");

        public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize) =>
            throw new InvalidOperationException("broken on purpose");
    }

    private sealed class SizedTransformer(Size size, string key = "sized") : ImageTransformer
    {
        public override string Key => key;

        public override Size GetOutputSize(Size inputSize) => size;

        public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
        {
        }
    }
}
