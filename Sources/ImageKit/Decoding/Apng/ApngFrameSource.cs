using System.Buffers;
using System.Globalization;

namespace ImageKit.Decoding.Apng;

/// <summary>
/// An APNG whose frames are decoded one at a time: each frame becomes a standalone PNG decoded by Skia, then is disposed
/// and blended onto the canvas by the APNG rules.
/// </summary>
/// <remarks>
/// Native ownership: the source keeps no native object between calls. Each <see cref="RenderFrame"/> creates one
/// <c>SKData</c> and one <c>SKCodec</c> and disposes both before it returns or throws, so <see cref="Dispose(bool)"/>
/// has nothing native to release; it only makes later calls fail.
/// </remarks>
internal sealed class ApngFrameSource : AnimatedImageSource
{
    private readonly ReadOnlyMemory<byte> _data;
    private readonly ApngContainer _container;
    private readonly ApngFrame[] _frames;
    private readonly int[] _encodedLengths;
    private readonly int[] _requiredFrames;
    private bool _disposed;

    /// <summary>Wraps a parsed file.</summary>
    /// <param name="data">The encoded bytes <paramref name="container"/> was read from; they must outlive the source.</param>
    /// <param name="container">The parsed animation.</param>
    public ApngFrameSource(ReadOnlyMemory<byte> data, ApngContainer container)
    {
        _data = data;
        _container = container;
        _frames = container.Frames;
        _encodedLengths = new int[_frames.Length];
        for (var i = 0; i < _frames.Length; i++)
        {
            var length = ApngFramePng.GetEncodedLength(container, _frames[i]);
            if (length > Array.MaxLength)
            {
                throw new ImageDecodingException(string.Create(CultureInfo.InvariantCulture, $"frame {i} holds {length:N0} bytes of compressed data, more than one buffer can hold"));
            }

            _encodedLengths[i] = (int)length;
        }

        _requiredFrames = ApngFrameDependencies.Compute(_frames, container.Width, container.Height, container.HasAlpha);
    }

    public override ImageFormat Format => ImageFormat.Apng;

    public override int PixelWidth => _container.Width;

    public override int PixelHeight => _container.Height;

    public override int FrameCount => _frames.Length;

    public override int LoopCount => _container.LoopCount;

    internal override bool LeftOutFrames => _container.LeftOutFrames;

    public override bool HasAlpha => _container.HasAlpha;

    public override TimeSpan GetFrameDuration(int index) => _frames[index].Control.Duration;

    public override int GetRequiredFrame(int index) => _requiredFrames[index];

    // The parsed file (~3 KB, with the chunks every frame's PNG repeats) and its frame table (fcTL records, data
    // segments, lengths, dependencies and the image's durations: ~120 B a frame), measured by KeptImageMemoryTests.
    // Nothing native is kept.
    internal override long DecoderStateBytes => (3 * 1024) + _container.Header.Length + _container.FrameChunks.Length + (_frames.Length * 120L);

    public override unsafe void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowBytes, PixelWidth * 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(canvas.Length, ((long)rowBytes * (PixelHeight - 1)) + (PixelWidth * 4));
        if (requiredFrame >= 0)
        {
            ApplyDisposal(requiredFrame, canvas, rowBytes);
        }

        var frame = _frames[index];
        var region = frame.Control;

        // OVER onto a transparent canvas, or with pixels that are all opaque, is the same as SOURCE; replacing needs no
        // temporary buffer because Skia decodes straight into the frame's region of the canvas.
        if (region.Blend == ApngBlendOp.Source || requiredFrame < 0 || !HasAlpha)
        {
            fixed (byte* pixels = canvas)
            {
                var origin = pixels + (region.Y * rowBytes) + (region.X * 4);
                ApngFramePng.Decode(_data.Span, _container, frame, _encodedLengths[index], origin, rowBytes);
            }

            return;
        }

        var frameRowBytes = region.Width * 4;
        var frameBytes = frameRowBytes * region.Height;
        var decoded = ArrayPool<byte>.Shared.Rent(frameBytes);
        try
        {
            fixed (byte* pixels = decoded)
            {
                ApngFramePng.Decode(_data.Span, _container, frame, _encodedLengths[index], pixels, frameRowBytes);
            }

            ApngCompositor.BlendOver(decoded.AsSpan(0, frameBytes), canvas, rowBytes, region);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(decoded);
        }
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }

    private void ApplyDisposal(int frameIndex, Span<byte> canvas, int rowBytes)
    {
        var region = _frames[frameIndex].Control;
        switch (region.Dispose)
        {
            case ApngDisposeOp.Background:
                ApngCompositor.Clear(canvas, rowBytes, region);
                break;
            case ApngDisposeOp.Previous:
                // ApngFrameDependencies never names such a frame: its disposal needs a canvas this call does not have.
                throw new InvalidOperationException($"Frame {frameIndex} disposes to PREVIOUS and cannot be a required frame.");
        }
    }
}
