using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// What keeping decoded pixels costs, by where they live: the pipeline images' first frames decoded one after another
/// into memory that is either released at once or kept until the end of the round (as a memory cache keeps them), then
/// released together. Prints µs per image (median of rounds), collections and minor page faults per image.
/// </summary>
internal static class DecodeKeep
{
    public static void Run(TextWriter output, int rounds)
    {
        var images = PipelineImages.Create();
        var kept = new List<Action>(images.Length);
        var variants = new (string Name, Func<SKImageInfo, IntPtr> Target)[]
        {
            ("SKBitmap, disposed at once", info =>
            {
                var bitmap = new SKBitmap(info);
                kept.Add(bitmap.Dispose); // disposed right after the decode, below
                return bitmap.GetPixels();
            }),
            ("SKBitmap, kept", info =>
            {
                var bitmap = new SKBitmap(info);
                kept.Add(bitmap.Dispose);
                return bitmap.GetPixels();
            }),
            ("pinned array, kept", info =>
            {
                var array = GC.AllocateUninitializedArray<byte>(info.BytesSize, pinned: true);
                kept.Add(() => GC.KeepAlive(array));
                return PinnedAddress(array);
            }),
            ("ImageKit pixel buffer, kept", info =>
            {
                var buffer = PixelBufferPool.Shared.Rent(info.BytesSize);
                kept.Add(buffer.Release);
                return buffer.Address;
            }),
        };

        var results = new Dictionary<string, List<double>>();
        var last = new Dictionary<string, string>();
        for (var round = -1; round < rounds; round++)
        {
            foreach (var (name, target) in round % 2 == 0 ? variants : [.. variants.Reverse()])
            {
                var releaseAtOnce = name.EndsWith("at once", StringComparison.Ordinal);
                var (gen2, faults) = (GC.CollectionCount(2), StoreProfile.MinorFaults());
                var start = Stopwatch.GetTimestamp();
                foreach (var image in images)
                {
                    Decode(image.Data, target);
                    if (releaseAtOnce)
                    {
                        kept[^1]();
                        kept.Clear();
                    }
                }

                var microseconds = Stopwatch.GetElapsedTime(start).TotalMicroseconds / images.Length;
                last[name] = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{GC.CollectionCount(2) - gen2} | {(StoreProfile.MinorFaults() - faults) / (double)images.Length:N1}");
                foreach (var release in kept)
                {
                    release();
                }

                kept.Clear();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                if (round >= 0)
                {
                    (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(microseconds);
                }
            }
        }

        output.WriteLine("| pixels in | µs per image, median | gen-2 collections per round | minor page faults per image |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, _) in variants)
        {
            var list = results[name];
            list.Sort();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {list[list.Count / 2]:N1} | {last[name]} |"));
        }
    }

    private static void Decode(byte[] bytes, Func<SKImageInfo, IntPtr> target)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        var result = codec.GetPixels(info, target(info), info.RowBytes, new SKCodecOptions(0));
        if (result is not SKCodecResult.Success)
        {
            throw new InvalidOperationException($"decode failed: {result}");
        }
    }

    private static unsafe IntPtr PinnedAddress(byte[] array) => (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
}
