using System.Drawing;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;
using ImageKit.Views;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Pixels handed to a caller (a frame, a share of it, a pixel lease) are theirs until they let go: disposing the image,
/// trimming its cache and other decodes reusing the pool's memory never change them.
/// </summary>
[TestClass]
[DoNotParallelize] // churns the shared pool on purpose
public sealed class HeldPixelsTests
{
    public static IEnumerable<object[]> Cases =>
    [
        ["animated-red-blue.gif", false, 0L, false],
        ["alphabetAnim.gif", false, 0L, false],
        ["anim.webp", false, 0L, false],
        ["TestImageAnimated.apng", false, 0L, false],
        ["TestImage.jpg", false, 0L, false],
        ["TestImage.jpg", false, 2000L, false],
        ["alphabetAnim.gif", false, 2000L, false],
        ["alphabetAnim.gif", true, 0L, false],
        ["anim.webp", true, 0L, false],
        ["TestImage.jpg", false, 0L, true],
        ["alphabetAnim.gif", false, 0L, true],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void HeldFrames_AfterTheImageIsDisposedAndThePoolIsReused_KeepTheirPixels(string file, bool firstFrameOnly, long maxPixels, bool transformed)
    {
        var options = new ImageDecodeOptions
        {
            FirstFrameOnly = firstFrameOnly,
            MaxPixelCount = maxPixels,
            Transformers = transformed ? [new RoundCornersTransformer(3)] : [],
        };
        var image = AnimatedImage.Decode(Corpus.Read(file), options);
        image = StillVariant.KeepAsPixels(image);
        var held = new List<(ImageFrame Frame, byte[] Expected)>();
        var leases = new List<(FramePixelLease Lease, byte[] Expected)>();
        try
        {
            // Every frame in order twice, keeping every other one (the rest are drawn on in place), plus shares and leases.
            for (var pass = 0; pass < 2; pass++)
            {
                for (var i = 0; i < image.FrameCount; i++)
                {
                    var frame = image.GetFrame(i);
                    var copy = new byte[frame.ByteCount];
                    frame.CopyPixelsTo(copy);
                    if ((i + pass) % 2 == 0)
                    {
                        held.Add((frame.Share(), copy));
                        leases.Add((FramePixelLease.Create(frame), copy));
                        held.Add((frame, copy));
                    }
                    else
                    {
                        frame.Dispose();
                    }
                }
            }

            image.TrimCache();
            image.Dispose();
            Scribble(image.FrameByteCount);
            using (var other = AnimatedImage.Decode(Corpus.Read(file), options))
            {
                for (var i = 0; i < other.FrameCount; i++)
                {
                    using var frame = other.GetFrame(i);
                    Scribble(image.FrameByteCount);
                }
            }

            foreach (var (frame, expected) in held)
            {
                Assert.IsTrue(frame.Pixels.SequenceEqual(expected), $"frame {frame.Index} of {file} kept its pixels");
            }

            foreach (var (lease, expected) in leases)
            {
                unsafe
                {
                    var pixels = new ReadOnlySpan<byte>((void*)lease.Address, checked((int)lease.ByteCount));
                    Assert.IsTrue(pixels.SequenceEqual(expected), $"a lease on {file} kept its pixels");
                }
            }
        }
        finally
        {
            foreach (var (frame, _) in held)
            {
                frame.Dispose();
            }

            foreach (var (lease, _) in leases)
            {
                lease.Release();
            }

            image.Dispose();
        }
    }

    [TestMethod]
    public async Task FramesTakenWhileTheImageIsTrimmedAndDisposed_KeepTheirPixelsAndReleaseNothingTwice()
    {
        var extra = NativeResourceCounters.ExtraReleases;
        var data = Corpus.Read("alphabetAnim.gif");
        byte[][] expected;
        using (var reference = AnimatedImage.Decode(data))
        {
            expected = [.. Enumerable.Range(0, reference.FrameCount).Select(i =>
            {
                using var frame = reference.GetFrame(i);
                return frame.Pixels.ToArray();
            })];
        }

        for (var round = 0; round < 20; round++)
        {
            var image = AnimatedImage.Decode(data);
            using var start = new Barrier(4);
            var readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
            {
                start.SignalAndWait();
                var kept = new List<ImageFrame>();
                try
                {
                    for (var i = 0; i < 200; i++)
                    {
                        var index = (i + r) % image.FrameCount;
                        ImageFrame frame;
                        try
                        {
                            frame = image.GetFrame(index);
                        }
                        catch (ObjectDisposedException)
                        {
                            break;
                        }

                        using (var share = frame.Share())
                        {
                            Assert.IsTrue(share.Pixels.SequenceEqual(expected[index]), $"frame {index}");
                        }

                        if (i % 3 == 0)
                        {
                            kept.Add(frame);
                        }
                        else
                        {
                            frame.Dispose();
                        }

                        if (i % 7 == 0)
                        {
                            image.TrimCache();
                        }
                    }

                    Scribble(image.FrameByteCount);
                    foreach (var frame in kept)
                    {
                        Assert.IsTrue(frame.Pixels.SequenceEqual(expected[frame.Index]), $"kept frame {frame.Index}");
                    }
                }
                finally
                {
                    kept.ForEach(f => f.Dispose());
                }
            })).ToArray();
            start.SignalAndWait();
            image.Dispose();
            await Task.WhenAll(readers);
        }

        Assert.AreEqual(extra, NativeResourceCounters.ExtraReleases);
    }

    // What other decodes do to pooled memory of this size: rent it, overwrite it, give it back.
    private static void Scribble(long bytes)
    {
        var rented = new List<PixelBuffer>();
        for (var i = 0; i < 8; i++)
        {
            var buffer = PixelBufferPool.Shared.Rent(checked((int)bytes));
            buffer.Span.Fill(0xA5);
            rented.Add(buffer);
        }

        foreach (var buffer in rented)
        {
            buffer.Release();
        }
    }
}
