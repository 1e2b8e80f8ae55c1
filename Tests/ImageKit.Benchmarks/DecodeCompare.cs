using System.Diagnostics;
using System.Globalization;
using ImageKit.Decoding;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// First-frame decode of the pipeline images, by content type: Skia into RGBA and into BGRA (ImageKit's canvas format),
/// and ImageKit's decode + <see cref="AnimatedImage.GetFrame"/>. Alternating, several rounds, medians.
/// </summary>
internal static class DecodeCompare
{
    public static void Run(TextWriter output, int rounds)
    {
        var images = PipelineImages.Create();
        var kinds = images.GroupBy(i => i.ContentType + (i.Animated ? " animated" : "")).ToArray();
        var variants = new (string Name, Action<byte[]> Decode)[]
        {
            ("Skia RGBA", b => Skia(b, SKColorType.Rgba8888)),
            ("Skia BGRA", b => Skia(b, SKColorType.Bgra8888)),
            ("Skia BGRA, stream", b =>
            {
                using var data = SKData.CreateCopy(b);
                using var codec = SKCodec.Create(new SKMemoryStream(data));
                var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
                using var bitmap = new SKBitmap(info);
                codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(0));
            }),
            ("Skia BGRA, pinned array", b =>
            {
                using var data = SKData.CreateCopy(b);
                using var codec = SKCodec.Create(data);
                var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
                var pixels = GC.AllocateUninitializedArray<byte>(info.BytesSize, pinned: true);
                unsafe
                {
                    fixed (byte* p = pixels)
                    {
                        codec.GetPixels(info, (IntPtr)p, info.RowBytes, new SKCodecOptions(0));
                    }
                }
            }),
            ("ImageKit", b =>
            {
                using var image = ImageDecoderRegistry.Default.Decode(b);
                image.GetFrame(0).Dispose();
            }),
        };
        var results = new Dictionary<(string, string), List<double>>();
        for (var round = -1; round < rounds; round++)
        {
            foreach (var kind in kinds)
            {
                foreach (var (name, decode) in round % 2 == 0 ? variants : [.. variants.Reverse()])
                {
                    var start = Stopwatch.GetTimestamp();
                    foreach (var image in kind)
                    {
                        decode(image.Data);
                    }

                    if (round >= 0)
                    {
                        var key = (kind.Key, name);
                        if (!results.TryGetValue(key, out var list))
                        {
                            results[key] = list = [];
                        }

                        list.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / kind.Count());
                    }
                }
            }
        }

        output.WriteLine("| images | " + string.Join(" | ", variants.Select(v => v.Name + " µs")) + " |");
        output.WriteLine("|---|" + string.Concat(variants.Select(_ => "---:|")));
        foreach (var kind in kinds)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind.Key} ({kind.Count()}) | ") + string.Join(" | ", variants.Select(v =>
            {
                var list = results[(kind.Key, v.Name)];
                list.Sort();
                return list[list.Count / 2].ToString("N1", CultureInfo.InvariantCulture);
            })) + " |");
        }
    }

    /// <summary>Skia alone: open the codec and decode frame 0 into a new <see cref="SKBitmap"/> of <paramref name="colorType"/>.</summary>
    internal static void Skia(byte[] bytes, SKColorType colorType)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, colorType, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(0));
    }
}
