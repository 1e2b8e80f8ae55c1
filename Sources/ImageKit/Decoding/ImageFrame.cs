using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Decoding;

/// <summary>
/// One fully composited, canvas-size frame of an <see cref="AnimatedImage"/>: 32-bit BGRA, premultiplied alpha, rows of
/// <see cref="RowBytes"/> bytes, top row first.
/// </summary>
/// <remarks>
/// <para>
/// <b>Ownership.</b> An <see cref="ImageFrame"/> is a lease on shared, reference-counted pixel memory. Whoever receives one
/// from <see cref="AnimatedImage.GetFrame"/> or <see cref="Share"/> owns that lease and disposes it exactly once when done
/// drawing; the pixels stay valid until then, even if the image itself is disposed or its caches drop the frame. Disposing
/// a lease never affects other leases on the same pixels. The pixels live in native memory; a lease that is never
/// disposed is still reclaimed (a finalizer frees the memory once nothing references it), but disposing gives the memory
/// back at once for the next frame to reuse.
/// </para>
/// <para>
/// <b>Threading.</b> Reading a frame from several threads is safe; <see cref="Dispose"/> is idempotent and thread-safe.
/// <see cref="CopyPixelsTo"/>, <see cref="ToRgba"/> and <see cref="SaveAsPng"/> hold the pixels for the copy, and
/// <see cref="Share"/> takes its reference the same way, so a concurrent <see cref="Dispose"/> either comes first (they
/// throw <see cref="ObjectDisposedException"/>) or does not disturb the copy or the share; a <see cref="Pixels"/> span
/// has no such protection: do not dispose a lease while another thread reads its span.
/// </para>
/// </remarks>
public sealed class ImageFrame : IDisposable
{
    private PixelBuffer? _buffer;

    internal ImageFrame(PixelBuffer buffer, int index, int width, int height, TimeSpan duration, TimeSpan effectiveDuration)
    {
        _buffer = buffer;
        Index = index;
        Width = width;
        Height = height;
        Duration = duration;
        EffectiveDuration = effectiveDuration;
    }

    /// <summary>The frame's index in its image.</summary>
    public int Index { get; }

    /// <summary>The width in pixels (the image's canvas width).</summary>
    public int Width { get; }

    /// <summary>The height in pixels (the image's canvas height).</summary>
    public int Height { get; }

    /// <summary>The bytes from one row to the next: <see cref="Width"/> × 4.</summary>
    public int RowBytes => Width * 4;

    /// <summary>The bytes of pixel memory this frame holds: <see cref="RowBytes"/> × <see cref="Height"/>.</summary>
    public long ByteCount => (long)RowBytes * Height;

    /// <summary>The duration stored in the file (see <see cref="AnimatedImage.FrameDurations"/>; zero when it stores none).</summary>
    public TimeSpan Duration { get; }

    /// <summary>The duration the frame is shown for, after the image's <see cref="FrameDurationPolicy"/>.</summary>
    public TimeSpan EffectiveDuration { get; }

    /// <summary>Whether this lease has been disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _buffer) is null;

    /// <summary>The pixels: BGRA, premultiplied alpha, <see cref="RowBytes"/> per row.</summary>
    /// <remarks>
    /// The span points into native memory owned by the lease: it is valid until the lease is disposed, and only while the
    /// lease stays reachable, so read it inside the lease's <see langword="using"/> scope (as with
    /// <c>SKBitmap.GetPixelSpan</c>), or copy the pixels with <see cref="CopyPixelsTo"/>, which needs neither.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The lease has been disposed.</exception>
    public ReadOnlySpan<byte> Pixels => Buffer.Span;

    internal PixelBuffer Buffer
    {
        get
        {
            var buffer = Volatile.Read(ref _buffer);
            ObjectDisposedException.ThrowIf(buffer is null, this);
            return buffer;
        }
    }

    /// <summary>Returns a second lease on the same pixels, owned by the caller and disposed independently of this one.</summary>
    /// <exception cref="ObjectDisposedException">The lease has been disposed.</exception>
    public ImageFrame Share()
    {
        // Held as a copy holds the pixels: a Dispose of this lease racing the share either comes first (then the pixels
        // may already be redrawn as another frame, and the share is refused) or leaves the share on this frame's pixels.
        var buffer = HoldBuffer();
        return new ImageFrame(buffer, Index, Width, Height, Duration, EffectiveDuration);
    }

    /// <summary>
    /// Copies the pixels as they are (BGRA, premultiplied alpha, <see cref="RowBytes"/> per row) into
    /// <paramref name="destination"/>, holding them for the copy.
    /// </summary>
    /// <param name="destination">At least <see cref="ByteCount"/> bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="ByteCount"/>.</exception>
    /// <exception cref="ObjectDisposedException">The lease has been disposed.</exception>
    public void CopyPixelsTo(Span<byte> destination)
    {
        if (destination.Length < ByteCount)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the frame has {ByteCount}.", nameof(destination));
        }

        var buffer = HoldBuffer();
        try
        {
            buffer.Span.CopyTo(destination);
        }
        finally
        {
            buffer.Release();
        }
    }

    /// <summary>Copies the pixels out as RGBA with straight (unpremultiplied) alpha, <see cref="Width"/> × 4 bytes per row.</summary>
    public byte[] ToRgba()
    {
        var rgba = new byte[ByteCount];
        CopyTo(rgba, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        return rgba;
    }

    /// <summary>Writes the frame as a PNG (RGBA, straight alpha) to <paramref name="stream"/>.</summary>
    public void SaveAsPng(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        unsafe
        {
            var span = new Span<byte>((void*)bitmap.GetPixels(), checked((int)ByteCount));
            CopyTo(span, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new ImageKitException("Skia could not encode the frame as PNG.");
        data.SaveTo(stream);
    }

    /// <summary>Releases this lease. The pixels go back to the pool when no other lease or cache holds them.</summary>
    public void Dispose() => Interlocked.Exchange(ref _buffer, null)?.Release();

    [ThreadStatic]
    private static Action? t_afterReadingBuffer;

    /// <summary>
    /// Tests: runs on the calling thread when it has read a lease's buffer and not yet taken its own reference on it, the
    /// window a concurrent <see cref="Dispose"/> can fall into. Per thread, so other tests running meanwhile never see it.
    /// </summary>
    internal static Action? AfterReadingBufferForTests
    {
        get => t_afterReadingBuffer;
        set => t_afterReadingBuffer = value;
    }

    // A reference of our own for the length of a copy: a concurrent Dispose of the last lease cannot free the memory
    // under it, and the buffer (whose finalizer would free it) stays reachable.
    private PixelBuffer HoldBuffer()
    {
        var buffer = Buffer;
        t_afterReadingBuffer?.Invoke();
        try
        {
            buffer.AddReference();
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(ImageFrame)); // disposed between reading the field and the reference
        }

        // Disposed between reading the field and taking the reference, while another owner kept the buffer: this lease's
        // own reference is gone, and the buffer may already be reused for another frame. Give ours back.
        if (!ReferenceEquals(Volatile.Read(ref _buffer), buffer))
        {
            buffer.Release();
            throw new ObjectDisposedException(nameof(ImageFrame));
        }

        return buffer;
    }

    private unsafe void CopyTo(Span<byte> destination, SKColorType colorType, SKAlphaType alphaType)
    {
        var buffer = HoldBuffer();
        try
        {
            fixed (byte* dst = destination)
            {
                using var pixmap = new SKPixmap(new SKImageInfo(Width, Height, SKColorType.Bgra8888, SKAlphaType.Premul), buffer.Address, RowBytes);
                var dstInfo = new SKImageInfo(Width, Height, colorType, alphaType);
                if (!pixmap.ReadPixels(dstInfo, (IntPtr)dst, Width * 4))
                {
                    throw new ImageKitException("Skia could not convert the frame's pixels.");
                }
            }
        }
        finally
        {
            buffer.Release();
        }
    }
}
