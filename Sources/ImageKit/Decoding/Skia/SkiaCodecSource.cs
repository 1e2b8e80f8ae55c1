using System.Runtime.InteropServices;
using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Decoding.Skia;

/// <summary>
/// An image decoded by one <see cref="SKCodec"/>. Skia composites GIF and WebP frames itself when told which prior frame
/// the canvas already holds, so this source passes the required frame straight through.
/// </summary>
/// <remarks>
/// <para>
/// Native ownership: each codec is the only owner of its Skia stream, and the stream holds its own reference on the data.
/// The source holds one more reference on data it wrapped without copying (which owns the pin on the bytes until Skia
/// releases it); data the registry copied into native memory is owned by the image. Disposing the codec and the source's
/// reference therefore releases everything exactly once, and a codec that fails to open has released its stream already.
/// </para>
/// <para>
/// A still's codec is open only while a call needs it: an open libjpeg or libpng decoder keeps 20–50 KB of state, more
/// than many images' encoded bytes, which a cached still would otherwise hold for its whole life without its
/// <see cref="AnimatedImage.MemoryCost"/> counting it. Opening it again reads only the headers (a few microseconds).
/// An animation keeps its codec, which composites each frame onto the one before.
/// </para>
/// </remarks>
internal sealed partial class SkiaCodecSource : AnimatedImageSource
{
    // A memory cache keeps every still it loads with its source, and the collections that follow copy each of its bytes
    // (docs/benchmarks.md): nothing here that the fields below already say (the canvas's size is the upright one, turned
    // back by the origin).
    private readonly SKData _data; // the registry's native copy (the image owns it), or the caller's bytes wrapped
    private readonly bool _ownsData; // _data wraps the caller's bytes without a copy, or is a first frame's excerpt: this source owns it
    private readonly SKCodecFrameInfo[] _frames;
    private SKCodec? _codec; // null between a still's calls
    private readonly SKEncodedOrigin _origin; // TopLeft unless the still is turned upright
    private readonly bool _isAnimation; // the codec has more than one frame, also when only the first is kept
    private int _disposed;

    private SkiaCodecSource(SKCodec codec, SKData data, bool ownsData, bool isExcerpt, ImageFormat format, ReadOnlySpan<byte> bytes, bool? encodedAlpha, ImageDecodeOptions options)
    {
        _codec = codec;
        _data = data;
        _ownsData = ownsData;
        Format = format;
        var info = codec.Info;
        // The limits first: the frame table is one managed entry per frame, and a hostile file may declare millions. A
        // first-frame-only image decodes and keeps one frame, and is checked as one.
        var frameCount = codec.FrameCount;
        _isAnimation = isExcerpt || frameCount > 1; // an excerpt is made of animations only, and holds their first frame
        options.Limits.Check(info.Width, info.Height, options.FirstFrameOnly ? 1 : Math.Max(1, frameCount));
        _frames = frameCount <= 0 ? []
            : options.FirstFrameOnly ? FirstFrameInfo(codec)
            : codec.FrameInfo;
        FrameCount = Math.Max(1, _frames.Length);
        _origin = ExifOrientation.ToApply(codec, format, options.Orientation, _isAnimation);
        (PixelWidth, PixelHeight) = ExifOrientation.SwapsAxes(_origin) ? (info.Height, info.Width) : (info.Width, info.Height);
        HasAlpha = encodedAlpha ?? EncodedAlphaProbe.HasAlpha(format, bytes)
            ?? (info.AlphaType != SKAlphaType.Opaque || _frames.Any(static f => f.AlphaType != SKAlphaType.Opaque));
        LoopCount = ReadLoopCount(codec, _isAnimation, format, options.GifLoopCount);
    }

    public override ImageFormat Format { get; }

    public override int PixelWidth { get; }

    public override int PixelHeight { get; }

    public override int FrameCount { get; }

    public override int LoopCount { get; }

    public override bool HasAlpha { get; }

    public static SkiaCodecSource Create(ReadOnlyMemory<byte> data, ImageFormat format, ImageDecodeOptions options)
    {
        if (format == ImageFormat.Bmp)
        {
            BmpBitMasks.ThrowIfNotContiguous(data.Span);
        }

        // Frames are counted from the container before the codec opens: Skia's GIF codec parses the whole file and keeps a
        // record per frame to answer FrameCount, and WebP's demuxer indexes every frame on opening, then Skia looks each one
        // up from the start of that index (time grows with the square of the frames), so a hostile file of a million tiny
        // frames cost seconds to minutes and up to hundreds of megabytes before the limit refused it. A first-frame-only
        // decode counts one frame.
        if (!options.FirstFrameOnly && EncodedFrameCounter.CountUpTo(format, data.Span, options.Limits.MaxFrameCount) is { } frames)
        {
            options.Limits.CheckFrameCountAtLeast(frames);
        }

        // A first-frame-only animation's codec reads an excerpt of the data that ends with the first frame (this source
        // owns it). Otherwise data the registry copied into native memory is read in place (each codec's stream takes its
        // own native reference on it); anything else is wrapped without a copy, and this source keeps the wrapper to open
        // its codec again.
        var (excerpt, excerptCodec, excerptAlpha) = options.FirstFrameOnly ? OpenFirstFrameExcerpt(data.Span, format) : default;
        MemoryMarshal.TryGetMemoryManager(data, out SkiaEncodedData? encoded);
        var wrapped = excerpt ?? (encoded is null ? WrapWithoutCopy(data) : null);
        SkiaCodecSource? source = null;
        try
        {
            var native = wrapped ?? encoded!.Data;
            var result = SKCodecResult.Success;
            var codec = excerptCodec ?? OpenCodec(native, out result);
            if (codec is null)
            {
                if (format is ImageFormat.Png or ImageFormat.Apng)
                {
                    PngOpenFailure.ThrowIfExplained(data.Span, options.Limits);
                }

                throw new ImageDecodingException(DescribeOpenFailure(result, format));
            }

            try
            {
                source = new SkiaCodecSource(codec, native, ownsData: wrapped is not null, isExcerpt: excerpt is not null, format, data.Span, excerptAlpha, options);
            }
            catch
            {
                CloseCodec(codec);
                throw;
            }

            source.CloseStillCodec();
            return source;
        }
        finally
        {
            if (source is null)
            {
                wrapped?.Dispose();
            }
        }
    }

    public override TimeSpan GetFrameDuration(int index) =>
        _frames.Length == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_frames[index].Duration);

    public override int GetRequiredFrame(int index) => _frames.Length == 0 ? -1 : _frames[index].RequiredFrame;

    // A still is decoded straight into the canvas: Skia writes every row, and fills rows that truncated data never
    // reached. Animation frames may cover only part of the canvas, so they keep the cleared canvas. Turning a still
    // upright writes every pixel too (clearing first what a WebP frame might not cover).
    internal override bool WritesEveryPixel(int index) => _frames.Length == 0 || _origin != SKEncodedOrigin.TopLeft;

    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        try
        {
            if (_origin != SKEncodedOrigin.TopLeft)
            {
                RenderUpright(CanvasInfo, canvas, rowBytes);
                return;
            }

            Decode(CanvasInfo, canvas, rowBytes, _frames.Length == 0 ? new SKCodecOptions(0) : new SKCodecOptions(index, requiredFrame));
        }
        finally
        {
            CloseStillCodec();
        }
    }

    internal override int AppliedExifOrientation => (int)_origin;

    // What an animation keeps besides its encoded bytes, measured with the C heap and the GC heap (KeptImageMemoryTests,
    // SkiaSharp 4.154): the open codec, ~71 KB for any GIF; for WebP ~2 KB and ~10 B a pixel of canvas width (rows the
    // decoder keeps); and per frame the codec's frame records (GIF ~82 B, WebP ~150 B) and the frame tables (Skia's
    // frame infos, the image's durations: ~68 B). A still keeps none.
    internal override bool LeftOutFrames => _isAnimation && FrameCount == 1;

    internal override long DecoderStateBytes => FrameCount == 1 ? 0 : Format switch
    {
        ImageFormat.Gif => (72 * 1024) + (FrameCount * 160L),
        ImageFormat.WebP => (2 * 1024) + (PixelWidth * 10L) + (FrameCount * 220L),
        _ => 0,
    };

    internal override (int Width, int Height)? ReducedDecodeSize(int width, int height)
    {
        try
        {
            // Sizes here are upright; the codec's are as stored.
            var swap = ExifOrientation.SwapsAxes(_origin);
            return (swap ? StoredReducedSize(height, width) : StoredReducedSize(width, height)) is { } stored
                ? (swap ? (stored.Height, stored.Width) : stored)
                : null;
        }
        finally
        {
            CloseStillCodec();
        }
    }

    internal override void RenderReduced(int width, int height, Span<byte> canvas, int rowBytes)
    {
        var stored = ExifOrientation.SwapsAxes(_origin) ? new SKImageInfo(height, width) : new SKImageInfo(width, height);
        stored = stored.WithColorType(SKColorType.Bgra8888).WithAlphaType(SKAlphaType.Premul);
        try
        {
            if (_origin != SKEncodedOrigin.TopLeft)
            {
                RenderUpright(stored, canvas, rowBytes);
                return;
            }

            Decode(stored, canvas, rowBytes, new SKCodecOptions(0));
        }
        finally
        {
            CloseStillCodec();
        }
    }

    private (int Width, int Height)? StoredReducedSize(int width, int height)
    {
        // JPEG and WebP only: they decode the same picture smaller. Skia's ICO codec answers a smaller size by picking
        // another of the file's entries, which may be another picture (or shape) altogether.
        var (fullWidth, fullHeight) = ExifOrientation.SwapsAxes(_origin) ? (PixelHeight, PixelWidth) : (PixelWidth, PixelHeight);
        if (Format is not (ImageFormat.Jpeg or ImageFormat.WebP) || _isAnimation || (width >= fullWidth && height >= fullHeight))
        {
            return null;
        }

        // Skia rounds the scale asked for to one its decoder has (libjpeg-turbo: the nearest eighth, which may be below
        // it; libwebp: any, rounded to whole pixels): ask again a little higher, then for each eighth above it.
        var desired = Math.Max((double)width / fullWidth, (double)height / fullHeight);
        var candidates = new List<double> { desired, desired + (1.0 / Math.Min(fullWidth, fullHeight)) };
        for (var eighths = 1; eighths < 8; eighths++)
        {
            if (eighths / 8.0 > desired)
            {
                candidates.Add(eighths / 8.0);
            }
        }

        foreach (var scale in candidates)
        {
            var size = Codec.GetScaledDimensions((float)scale);
            if (size.Width >= width && size.Height >= height)
            {
                return (long)size.Width * size.Height < (long)fullWidth * fullHeight ? (size.Width, size.Height) : null;
            }
        }

        return null;
    }

    private unsafe void Decode(SKImageInfo info, Span<byte> target, int rowBytes, SKCodecOptions options)
    {
        SKCodecResult result;
        fixed (byte* pixels = target)
        {
            result = Codec.GetPixels(info, (IntPtr)pixels, rowBytes, options);
        }

        SkiaCodecResults.ThrowUnlessSuccess(result);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (_codec is { } codec)
            {
                _codec = null;
                CloseCodec(codec);
            }

            if (_ownsData)
            {
                _data.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    // The canvas as stored: before any EXIF orientation.
    private SKImageInfo CanvasInfo => ExifOrientation.SwapsAxes(_origin)
        ? new SKImageInfo(PixelHeight, PixelWidth, SKColorType.Bgra8888, SKAlphaType.Premul)
        : new SKImageInfo(PixelWidth, PixelHeight, SKColorType.Bgra8888, SKAlphaType.Premul);

    // The codec, opened again if this is a still between calls. Calls come from one thread at a time (the image's lock).
    private SKCodec Codec
    {
        get
        {
            if (_codec is { } codec)
            {
                return codec;
            }

            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0 || _data.Handle == IntPtr.Zero, this);
            return _codec = OpenCodec(_data, out var result)
                ?? throw new ImageDecodingException(DescribeOpenFailure(result, Format));
        }
    }

    // A still's codec goes as soon as the call that needed it ends; an animation keeps its codec.
    private void CloseStillCodec()
    {
        if (FrameCount == 1 && _codec is { } codec)
        {
            _codec = null;
            CloseCodec(codec);
        }
    }

    // Skia opens a codec from data through a memory stream of its own either way; SkiaSharp's overload that takes a
    // managed SKMemoryStream adds a wrapper object with a finalizer and a per-codec table of owned objects (~1 KB and
    // ~0.7 µs per open in docs/benchmarks.md). Only that overload reports why an open failed, so it serves the failure
    // message alone.
    private static SKCodec? OpenCodec(SKData data, out SKCodecResult result)
    {
        var codec = SKCodec.Create(data);
        if (codec is null)
        {
            // The failure path: only the stream overload says why.
            codec = SKCodec.Create(new SKMemoryStream(data), out result);
        }
        else
        {
            result = SKCodecResult.Success;
        }

        if (codec is not null)
        {
            NativeResourceCounters.CodecOpened();
        }

        return codec;
    }

    private static void CloseCodec(SKCodec codec)
    {
        codec.Dispose();
        NativeResourceCounters.CodecClosed();
    }

    // Frame 0's entry alone (none for a codec that is not an animation format), without the table of every frame.
    private static SKCodecFrameInfo[] FirstFrameInfo(SKCodec codec) =>
        codec.GetFrameInfo(0, out var first) ? [first] : [];

    private static int ReadLoopCount(SKCodec codec, bool isAnimation, ImageFormat format, GifLoopCountSemantics gifSemantics)
    {
        if (!isAnimation)
        {
            return 1;
        }

        // Skia reports repeats after the first play: -1 = forever, 0 = once, n = n + 1 plays (GIF NETSCAPE field n;
        // WebP ANIM loop count n + 1).
        var repetitions = codec.RepetitionCount;
        if (repetitions < 0)
        {
            return 0;
        }

        if (format == ImageFormat.Gif && gifSemantics == GifLoopCountSemantics.ImageIO)
        {
            return Math.Max(1, repetitions);
        }

        return repetitions + 1;
    }

    private static string DescribeOpenFailure(SKCodecResult result, ImageFormat format) => result switch
    {
        SKCodecResult.IncompleteInput => $"the {format} data ends inside its header (truncated file)",
        SKCodecResult.ErrorInInput or SKCodecResult.InvalidInput => $"the {format} header is corrupt",
        SKCodecResult.Unimplemented => $"this {format} variant is not supported by Skia",
        _ => $"Skia could not open the {format} data ({result})",
    };
}
