using ImageKit.Decoding;

namespace ImageKit.Benchmarks;

/// <summary>
/// What every cache in <see cref="MemoryCacheBenchmarks"/> sees: the same keys, the same values and the same operation
/// sequences, built from fixed seeds so that runs compare.
/// </summary>
internal static class MemoryCacheWorkload
{
    public const int KeyCount = 10_000;
    public const int Capacity = 5_000;
    public const int BatchSize = 4_096;
    public const int ThreadCount = 2;
    public const int MixedOpsPerThread = 16_384;
    public const int SetPercent = 10;
    public const double ZipfExponent = 0.9;

    /// <summary>URL-like keys, as the image manager makes them.</summary>
    public static string[] CreateKeys()
    {
        var keys = new string[KeyCount];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = $"https://images.example.test/photos/{i:D5}.gif?w=128&h=128";
        }

        return keys;
    }

    /// <summary>One tiny two-frame image per key; every cache entry is charged the same cost (1).</summary>
    public static AnimatedImage[] CreateImages()
    {
        var images = new AnimatedImage[KeyCount];
        for (var i = 0; i < images.Length; i++)
        {
            images[i] = new AnimatedImage(new BenchmarkSource(frameCount: 2, width: 8, height: 8), ReadOnlyMemory<byte>.Empty);
        }

        return images;
    }

    /// <summary>Uniform key indices in [0, <paramref name="upper"/>).</summary>
    public static int[] Uniform(int count, int upper, int seed)
    {
        var random = new Random(seed);
        var result = new int[count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = random.Next(upper);
        }

        return result;
    }

    /// <summary>
    /// Mixed operations: a Zipf-distributed key index (popular images are asked for far more often), negated and offset by
    /// one for a set (so 0 stays distinguishable), about <see cref="SetPercent"/> % sets.
    /// </summary>
    public static int[] Mixed(int count, int seed)
    {
        var cdf = ZipfCdf(KeyCount, ZipfExponent);
        var random = new Random(seed);

        // Popularity rank → key index through a fixed permutation, so the popular keys are spread over the key space
        // rather than all among the keys the caches were filled with.
        var rankToKey = Enumerable.Range(0, KeyCount).ToArray();
        new Random(12345).Shuffle(rankToKey);
        var ops = new int[count];
        for (var i = 0; i < ops.Length; i++)
        {
            var rank = Array.BinarySearch(cdf, random.NextDouble());
            var key = rankToKey[Math.Min(rank < 0 ? ~rank : rank, KeyCount - 1)];
            ops[i] = random.Next(100) < SetPercent ? -(key + 1) : key;
        }

        return ops;
    }

    private static double[] ZipfCdf(int n, double exponent)
    {
        var cdf = new double[n];
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, exponent);
            cdf[i] = sum;
        }

        for (var i = 0; i < n; i++)
        {
            cdf[i] /= sum;
        }

        return cdf;
    }

    /// <summary>A one-colour animation (the benchmark-side twin of the tests' <c>CountingSource</c>).</summary>
    private sealed class BenchmarkSource(int frameCount, int width, int height) : AnimatedImageSource
    {
        public override ImageFormat Format => ImageFormat.Gif;

        public override int PixelWidth => width;

        public override int PixelHeight => height;

        public override int FrameCount => frameCount;

        public override int LoopCount => 0;

        public override bool HasAlpha => false;

        public override TimeSpan GetFrameDuration(int index) => TimeSpan.FromMilliseconds(100);

        public override int GetRequiredFrame(int index) => -1;

        public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes) => canvas.Fill((byte)(index + 1));
    }
}
