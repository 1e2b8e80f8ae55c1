using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Random small APNGs (4x4 canvas, random regions, operations and half-transparent pixels) composited by the decoder and
/// by a model that follows the APNG specification literally, in premultiplied doubles: in order, by random access from a
/// fresh image, and in a shuffled order with some frames held and the cache trimmed; and, scaled down, the same frames
/// whatever order they are asked in.
/// </summary>
[TestClass]
public sealed class ApngCompositingModelTests
{
    private const int Size = 4;
    private static readonly byte[] s_alphas = [0, 64, 128, 200, 255];

    [TestMethod]
    public void GetFrame_RandomAnimations_MatchTheSpecificationModel()
    {
        var random = new Random(1234);
        for (var file = 0; file < 150; file++)
        {
            var defaultIsFirst = random.Next(2) == 0;
            var count = random.Next(2, 7);
            var frames = new (ApngBuilder.Frame Frame, byte[] Rgba)[count];
            for (var i = 0; i < count; i++)
            {
                int x = 0, y = 0, w = Size, h = Size;
                if (!(i == 0 && defaultIsFirst) && random.Next(3) > 0)
                {
                    x = random.Next(Size);
                    y = random.Next(Size);
                    w = random.Next(1, Size - x + 1);
                    h = random.Next(1, Size - y + 1);
                }

                var rgba = new byte[w * h * 4];
                for (var p = 0; p < rgba.Length; p += 4)
                {
                    rgba[p] = (byte)random.Next(256);
                    rgba[p + 1] = (byte)random.Next(256);
                    rgba[p + 2] = (byte)random.Next(256);
                    rgba[p + 3] = s_alphas[random.Next(s_alphas.Length)];
                }

                frames[i] = (new ApngBuilder.Frame(x, y, w, h, (byte)random.Next(3), (byte)random.Next(2)), rgba);
            }

            var builder = new ApngBuilder(Size, Size) { DefaultImageIsFirstFrame = defaultIsFirst };
            foreach (var (frame, rgba) in frames)
            {
                builder.Add(frame, rgba);
            }

            var data = builder.Build();
            var expected = Model(frames);
            var description = string.Join("; ", frames.Select(f => f.Frame.ToString()));

            using (var image = AnimatedImage.Decode(data))
            {
                for (var i = 0; i < count; i++)
                {
                    Compare(expected[i], image, i, $"file {file} in order, frame {i}: {description}");
                }
            }

            for (var i = count - 1; i >= 0; i--)
            {
                using var image = AnimatedImage.Decode(data);
                Compare(expected[i], image, i, $"file {file} random access, frame {i}: {description}");
            }

            using (var image = AnimatedImage.Decode(data))
            {
                var held = new List<(int Index, ImageFrame Frame)>();
                for (var request = 0; request < 3 * count; request++)
                {
                    var i = random.Next(count);
                    if (random.Next(3) == 0)
                    {
                        held.Add((i, image.GetFrame(i)));
                    }

                    Compare(expected[i], image, i, $"file {file} shuffled request {request}, frame {i}: {description}");
                    if (random.Next(4) == 0)
                    {
                        image.TrimCache();
                    }
                }

                foreach (var (index, frame) in held)
                {
                    CompareFrame(expected[index], frame, $"file {file} held frame {index}: {description}");
                    frame.Dispose();
                }
            }
        }
    }

    [TestMethod]
    public void GetFrame_ScaledDownRandomAnimations_SameInAnyOrder()
    {
        var random = new Random(99);
        var options = new ImageDecodeOptions { MaxPixelCount = 4 };
        for (var file = 0; file < 100; file++)
        {
            var count = random.Next(2, 7);
            var builder = new ApngBuilder(Size, Size) { DefaultImageIsFirstFrame = random.Next(2) == 0 };
            var description = new List<string>();
            for (var i = 0; i < count; i++)
            {
                int x = 0, y = 0, w = Size, h = Size;
                if (!(i == 0 && builder.DefaultImageIsFirstFrame) && random.Next(3) > 0)
                {
                    x = random.Next(Size);
                    y = random.Next(Size);
                    w = random.Next(1, Size - x + 1);
                    h = random.Next(1, Size - y + 1);
                }

                var rgba = new byte[w * h * 4];
                random.NextBytes(rgba);
                var frame = new ApngBuilder.Frame(x, y, w, h, (byte)random.Next(3), (byte)random.Next(2));
                description.Add(frame.ToString());
                builder.Add(frame, rgba);
            }

            var data = builder.Build();
            var expected = new byte[count][];
            using (var image = AnimatedImage.Decode(data, options))
            {
                for (var i = 0; i < count; i++)
                {
                    using var f = image.GetFrame(i);
                    Assert.AreEqual(Size / 2, f.Width, "the frames are scaled down");
                    expected[i] = f.Pixels.ToArray();
                }
            }

            for (var i = count - 1; i >= 0; i--)
            {
                using var image = AnimatedImage.Decode(data, options);
                using var f = image.GetFrame(i);
                CollectionAssert.AreEqual(expected[i], f.Pixels.ToArray(), $"file {file} backwards frame {i}: {string.Join("; ", description)}");
            }

            using (var image = AnimatedImage.Decode(data, options))
            {
                var held = new List<(int, ImageFrame)>();
                for (var request = 0; request < 3 * count; request++)
                {
                    var i = random.Next(count);
                    var f = image.GetFrame(i);
                    CollectionAssert.AreEqual(expected[i], f.Pixels.ToArray(), $"file {file} request {request} frame {i}: {string.Join("; ", description)}");
                    if (random.Next(3) == 0)
                    {
                        held.Add((i, f));
                    }
                    else
                    {
                        f.Dispose();
                    }
                }

                foreach (var (i, f) in held)
                {
                    CollectionAssert.AreEqual(expected[i], f.Pixels.ToArray(), $"file {file} held frame {i}");
                    f.Dispose();
                }
            }
        }
    }

    private static void Compare(double[] expected, AnimatedImage image, int index, string message)
    {
        using var frame = image.GetFrame(index);
        CompareFrame(expected, frame, message);
    }

    private static void CompareFrame(double[] expected, ImageFrame frame, string message)
    {
        var bgra = new byte[frame.ByteCount];
        frame.CopyPixelsTo(bgra);
        for (var p = 0; p < Size * Size; p++)
        {
            // BGRA premultiplied against the model's RGBA premultiplied.
            double[] actual = [bgra[(p * 4) + 2], bgra[(p * 4) + 1], bgra[p * 4], bgra[(p * 4) + 3]];
            for (var c = 0; c < 4; c++)
            {
                var want = expected[(p * 4) + c];
                Assert.IsLessThanOrEqualTo(3.0, Math.Abs(want - actual[c]), $"{message}: pixel {p} channel {c}: expected {want:F1}, got {actual[c]}");
            }
        }
    }

    private static double[][] Model((ApngBuilder.Frame Frame, byte[] Rgba)[] frames)
    {
        var canvas = new double[Size * Size * 4];
        var result = new double[frames.Length][];
        for (var i = 0; i < frames.Length; i++)
        {
            var (f, rgba) = frames[i];
            var dispose = i == 0 && f.Dispose == 2 ? 1 : f.Dispose;
            var saved = (double[])canvas.Clone();
            for (var row = 0; row < f.Height; row++)
            {
                for (var col = 0; col < f.Width; col++)
                {
                    var s = ((row * f.Width) + col) * 4;
                    var d = (((f.Y + row) * Size) + f.X + col) * 4;
                    var a = rgba[s + 3] / 255.0;
                    for (var c = 0; c < 4; c++)
                    {
                        var source = c == 3 ? rgba[s + 3] : Math.Round(rgba[s + c] * a);
                        canvas[d + c] = f.Blend == 0 ? source : source + (canvas[d + c] * (1 - a));
                    }
                }
            }

            result[i] = (double[])canvas.Clone();
            if (dispose == 1)
            {
                for (var row = 0; row < f.Height; row++)
                {
                    Array.Clear(canvas, (((f.Y + row) * Size) + f.X) * 4, f.Width * 4);
                }
            }
            else if (dispose == 2)
            {
                canvas = saved;
            }
        }

        return result;
    }
}
