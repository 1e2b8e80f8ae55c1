using System.Buffers;
using System.Runtime.InteropServices;
using ImageKit.Decoding.Internal;
using ImageKit.Internal;

namespace ImageKit.Decoding;

/// <summary>
/// A decoded image, animated or still (a still is one frame): the counterpart of SDWebImage's <c>SDAnimatedImage</c>.
/// Frames are decoded lazily from the encoded bytes, composited to full canvas size, on whichever thread asks.
/// </summary>
/// <remarks>
/// <para>
/// <b>Threading.</b> Every member is safe to call from several threads. Frame decoding is serialised per image (the
/// underlying codecs are single-threaded); different images decode in parallel.
/// </para>
/// <para>
/// <b>Ownership.</b> The image owns its decoder and its native objects. Whoever created it (decoded it) holds the first
/// ownership and gives it up with <see cref="Dispose"/>; anyone else that must keep the image usable — a memory cache, a
/// player, a load result — takes an <see cref="ImageLease"/> with <see cref="AcquireLease"/>. The decoder and native objects
/// are released exactly once, when the last of these owners lets go, so a cache evicting an image never breaks a view that
/// is still playing it. Each <see cref="ImageFrame"/> returned by <see cref="GetFrame"/> is owned by the caller (see
/// <see cref="ImageFrame"/>); frames stay valid after the image is released.
/// </para>
/// <para>
/// <b>Cost.</b> Playing in order costs one frame decode and one canvas copy per frame: the image keeps the last few
/// composited frames and draws each new frame onto the one it depends on. Random access decodes forward from the nearest
/// independent frame. A frame of an animation that anyone still holds (a player's buffer, a view) is shared, never
/// decoded again, so several players of one image decode each frame once between them.
/// </para>
/// </remarks>
public sealed partial class AnimatedImage : IDisposable
{
    /// <summary>How many composited frames an image keeps for in-order access.</summary>
    public const int CompositedFramesKept = 3;

    // A memory cache keeps every image it loads, and the collections that follow copy each managed object an image keeps
    // (docs/benchmarks.md): a still keeps as few as it can. So the composited frames are kept in one object that is also
    // the image's lock (private: nothing else can take it), a still's durations are fields rather than arrays, and the
    // tables only an animation needs (FrameTables) are made only for one.
    private readonly CompositedFrameCache _composited = new();
    private readonly AnimatedImageSource _source;
    private readonly int _frameCount;
    private readonly bool _ownsEncodedData;
    private readonly TimeSpan _firstDuration;
    private readonly TimeSpan _firstEffectiveDuration;
    private FrameTables? _tables; // an animation's from the start; a still's only once its FrameDurations are read
    private IFrameDecodeFailureHandler? _frameDecodeFailed;
    private bool _disposed;

    // Owners: the creator (released by Dispose) plus one per live ImageLease. At zero the image releases its resources.
    private int _owners = 1;
    private int _creatorReleased;

    /// <summary>
    /// Wraps a decoder's <paramref name="source"/>. The image takes ownership of the source: it is disposed with the image,
    /// and also when this constructor throws.
    /// </summary>
    /// <param name="source">The decoded container.</param>
    /// <param name="encodedData">The encoded bytes the source reads; kept for <see cref="EncodedData"/>.</param>
    /// <param name="options">Decode options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ImageLimitExceededException">The image breaks <see cref="ImageDecodeOptions.Limits"/>.</exception>
    public AnimatedImage(AnimatedImageSource source, ReadOnlyMemory<byte> encodedData, ImageDecodeOptions? options = null)
        : this(source, encodedData, options, ownsEncodedData: false)
    {
    }

    // ownsEncodedData: the memory manager behind encodedData holds the bytes, and is disposed with the image (and when this
    // constructor throws).
    internal AnimatedImage(AnimatedImageSource source, ReadOnlyMemory<byte> encodedData, ImageDecodeOptions? options, bool ownsEncodedData)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= ImageDecodeOptions.Default;
        try
        {
            _frameCount = options.FirstFrameOnly ? 1 : source.FrameCount;
            if (_frameCount < 1)
            {
                throw new ImageDecodingException("the image has no frames");
            }

            // Against the frames decoded: a first-frame-only image is one frame, however many its source declares.
            options.Limits.Check(source.PixelWidth, source.PixelHeight, _frameCount);
            _firstDuration = EncodedDuration(source, 0);
            _firstEffectiveDuration = options.FrameDurations.Apply(_firstDuration);
            if (_frameCount > 1)
            {
                var durations = new TimeSpan[_frameCount];
                var effectiveDurations = new TimeSpan[_frameCount];
                (durations[0], effectiveDurations[0]) = (_firstDuration, _firstEffectiveDuration);
                for (var i = 1; i < _frameCount; i++)
                {
                    durations[i] = EncodedDuration(source, i);
                    effectiveDurations[i] = options.FrameDurations.Apply(durations[i]);
                }

                _tables = new FrameTables(durations, effectiveDurations);
            }

            _source = source;
            Format = source.Format;
            PixelWidth = source.PixelWidth;
            PixelHeight = source.PixelHeight;
            HasAlpha = source.HasAlpha;
            LoopCount = _frameCount == 1 ? 1 : source.LoopCount; // a still plays once, whatever its container says
            EncodedData = encodedData;
            SourceName = options.SourceName;
            _ownsEncodedData = ownsEncodedData;
        }
        catch (ImageKitException e)
        {
            source.Dispose();
            DisposeEncodedData(encodedData, ownsEncodedData);
            e.SourceName ??= options.SourceName;
            throw;
        }
        catch
        {
            source.Dispose();
            DisposeEncodedData(encodedData, ownsEncodedData);
            throw;
        }
    }

    /// <summary>The encoded format.</summary>
    public ImageFormat Format { get; }

    /// <summary>The canvas width in pixels.</summary>
    public int PixelWidth { get; }

    /// <summary>The canvas height in pixels.</summary>
    public int PixelHeight { get; }

    /// <summary>The number of frames; 1 for a still.</summary>
    public int FrameCount => _frameCount;

    /// <summary>Whether the image has more than one frame.</summary>
    public bool IsAnimated => _frameCount > 1;

    /// <summary>
    /// How many times the animation plays in total: 0 = forever, N = N plays. A GIF without a loop extension plays once;
    /// see <see cref="GifLoopCountSemantics"/> for how GIF loop fields are read. Stills report 1.
    /// </summary>
    public int LoopCount { get; }

    /// <summary>Whether the encoding carries transparency (a transparent index, an alpha channel, a tRNS chunk).</summary>
    public bool HasAlpha { get; }

    /// <summary>The bytes one decoded frame takes: <see cref="PixelWidth"/> × <see cref="PixelHeight"/> × 4.</summary>
    public long FrameByteCount => (long)PixelWidth * PixelHeight * 4;

    /// <summary>
    /// The most memory the image itself holds: its encoded bytes, the composited frames it keeps for fast in-order
    /// access (up to <see cref="CompositedFramesKept"/> frames of <see cref="FrameByteCount"/>), and for an animation
    /// the state its decoder keeps: an open codec (about 72 KB for a GIF, 2 KB and a few rows for a WebP) and a frame
    /// table of 120–220 bytes a frame (a still keeps none). A thumbnail or scale-down of an animation also counts the
    /// full-size frames and decoder it composites from. Frames leased to callers (players' buffers) are accounted by
    /// their holders, not here. Caches use this as the image's cost. (Pixel memory is allocated in size classes, so a
    /// frame's memory may exceed its <see cref="FrameByteCount"/> by up to 1/16.)
    /// </summary>
    public long MemoryCost => EncodedData.Length + (Math.Min(_frameCount, CompositedFramesKept) * FrameByteCount) + _source.DecoderStateBytes;

    /// <summary>
    /// The encoded bytes the image was decoded from. Images decoded by an <see cref="ImageDecoderRegistry"/> keep them in
    /// native memory they own: valid until the image is disposed (copy them to keep them longer).
    /// </summary>
    public ReadOnlyMemory<byte> EncodedData { get; }

    /// <summary>What the image was decoded from (file path or URL), when known.</summary>
    public string? SourceName { get; }

    /// <summary>
    /// The encoded duration of each frame, as stored in the file. A still reports what its file stores too: a one-frame
    /// GIF, APNG or WebP animation its delay (a first-frame-only decode its first frame's), a format without durations
    /// (JPEG, PNG, BMP, HEIC…) zero. A scaled-down, thumbnail or transformed still that a cache keeps as its pixels alone
    /// keeps no durations: zero.
    /// </summary>
    public IReadOnlyList<TimeSpan> FrameDurations => Tables.Durations;

    /// <summary>The duration each frame is shown for during playback, after the <see cref="FrameDurationPolicy"/>.</summary>
    public IReadOnlyList<TimeSpan> EffectiveFrameDurations => Tables.EffectiveDurations;

    /// <summary>Decodes <paramref name="data"/> with <see cref="ImageDecoderRegistry.Default"/>.</summary>
    /// <exception cref="ImageDecodingException">The data is not a supported image, is corrupt, or breaks a limit.</exception>
    /// <exception cref="Transforming.ImageTransformException">One of the options' transformers refuses the image's size.</exception>
    public static AnimatedImage Decode(ReadOnlySpan<byte> data, ImageDecodeOptions? options = null) =>
        ImageDecoderRegistry.Default.Decode(data, options);

    /// <summary>
    /// Reads and decodes the file at <paramref name="path"/> with <see cref="ImageDecoderRegistry.Default"/>. Files over
    /// <see cref="DecodingLimits.MaxFileBytes"/> (256 MiB unless <paramref name="options"/> say otherwise) are refused
    /// without being read; a file that cannot say its length (a pipe, a device) is read up to that.
    /// </summary>
    /// <exception cref="ImageDecodingException">The file is not a supported image, is corrupt, or breaks a limit
    /// (<see cref="ImageLimitExceededException"/> for a file over <see cref="DecodingLimits.MaxFileBytes"/>).</exception>
    /// <exception cref="Transforming.ImageTransformException">One of the options' transformers refuses the image's size.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read, or <paramref name="path"/> is a folder.</exception>
    public static AnimatedImage Load(string path, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= ImageDecodeOptions.Default;
        if (options.SourceName is null)
        {
            options = options with { SourceName = path };
        }

        var maxBytes = options.Limits.MaxFileBytes;
        var data = BoundedFileReader.Read(
            path,
            maxBytes,
            length => new ImageLimitExceededException(BoundedFileReader.TooLargeReason(length, maxBytes, "allowed (DecodingLimits.MaxFileBytes)")) { SourceName = path });
        return ImageDecoderRegistry.Default.Decode(data, options);
    }

    /// <summary>
    /// Returns frame <paramref name="index"/>, fully composited at canvas size. Any index in any order; in-order calls are
    /// cheapest. The caller owns the returned frame and disposes it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a frame index.</exception>
    /// <exception cref="ImageDecodingException">The frame's data (or that of a frame it depends on) is corrupt or truncated.</exception>
    /// <exception cref="Transforming.ImageTransformException">One of <see cref="ImageDecodeOptions.Transformers"/> failed.</exception>
    /// <exception cref="ObjectDisposedException">The image has been disposed.</exception>
    public ImageFrame GetFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _frameCount);
        try
        {
            return GetFrameLocked(index);
        }
        catch (ImageDecodingException e)
        {
            Interlocked.Exchange(ref _frameDecodeFailed, null)?.OnFrameDecodeFailed(e);
            throw;
        }
    }

    /// <summary>
    /// Sets what to call, once, when a frame fails to decode: the pipeline then drops the image from its caches (decoding
    /// reads headers only, so a load can succeed with frames that do not decode). The first caller's wins. It is called
    /// on the thread that asked for the frame, outside the image's lock, and must not throw.
    /// </summary>
    internal void OnFrameDecodeFailed(IFrameDecodeFailureHandler handler) => Interlocked.CompareExchange(ref _frameDecodeFailed, handler, null);

    private ImageFrame GetFrameLocked(int index)
    {
        lock (_composited)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_source.StoredFrame(index) is { } stored)
            {
                stored.AddReference();
                return NewFrame(stored, index);
            }

            var buffer = _composited.Get(index);
            if (buffer is null && TryShareHandedOut(index) is { } shared)
            {
                return NewFrame(shared, index);
            }

            buffer ??= Composite(index);
            buffer.AddReference();
            RememberHandedOut(index, buffer);
            return NewFrame(buffer, index);
        }
    }

    /// <summary>Drops the composited frames the image keeps for fast in-order access (memory pressure). Leased frames stay valid.</summary>
    public void TrimCache()
    {
        lock (_composited)
        {
            _composited.Clear();
            if (!_disposed)
            {
                _source.TrimWrappedCache(); // a thumbnail's or transform's full-size frames, which MemoryCost counts too
            }
        }
    }

    /// <summary>Whether the image has released its decoder: every owner has let go, and no new frame can be decoded.</summary>
    public bool IsDisposed => Volatile.Read(ref _owners) == 0;

    /// <summary>
    /// Takes a share of ownership: the image stays usable until the returned lease is disposed, even if its creator disposes
    /// the image meanwhile. Thread-safe.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The image has already been released.</exception>
    public ImageLease AcquireLease() => TryAcquireLease() ?? throw new ObjectDisposedException(nameof(AnimatedImage));

    /// <summary>The decoder's source. Calls into it must come from one thread at a time, as this image's own do (under its lock).</summary>
    internal AnimatedImageSource Source => _source;

    /// <summary>The EXIF orientation (2–8) the still was turned upright by, or 1 when it is shown as stored.</summary>
    internal int AppliedExifOrientation => _source.AppliedExifOrientation;

    /// <summary>Takes a share of ownership unless the image has already been released (then <see langword="null"/>).</summary>
    internal ImageLease? TryAcquireLease() => TryAddOwner() ? new ImageLease(this) : null;

    /// <summary>
    /// Takes a share of ownership, without a lease, unless the image has already been released: for an owner that keeps
    /// the image itself (a memory cache's entry) and gives the share back with <see cref="ReleaseOwnership"/> exactly once.
    /// </summary>
    internal bool TryAddOwner()
    {
        var owners = Volatile.Read(ref _owners);
        while (owners > 0)
        {
            var seen = Interlocked.CompareExchange(ref _owners, owners + 1, owners);
            if (seen == owners)
            {
                return true;
            }

            owners = seen;
        }

        return false;
    }

    /// <summary>Gives up one share of ownership; the last one releases the decoder and native objects.</summary>
    internal void ReleaseOwnership()
    {
        var owners = Interlocked.Decrement(ref _owners);
        if (owners == 0)
        {
            ReleaseResources();
        }
        else if (owners < 0)
        {
            throw new InvalidOperationException("an AnimatedImage was released more often than it was owned");
        }
    }

    /// <summary>
    /// Gives up the creator's ownership. When no <see cref="ImageLease"/> is live this releases the decoder and its native
    /// objects at once; otherwise the last lease does. Idempotent and thread-safe; frames already handed out stay valid.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _creatorReleased, 1) == 0)
        {
            ReleaseOwnership();
        }
    }

    private void ReleaseResources()
    {
        lock (_composited)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _composited.Clear();
            _source.Dispose();
            DisposeEncodedData(EncodedData, _ownsEncodedData);
        }
    }

    // A source's (an app's own) negative duration reads as zero: no frame is shown for a negative time, and the sums of
    // durations (TotalDuration, the player's timeline) assume none is.
    private static TimeSpan EncodedDuration(AnimatedImageSource source, int index) =>
        source.GetFrameDuration(index) is var duration && duration > TimeSpan.Zero ? duration : TimeSpan.Zero;

    private static void DisposeEncodedData(ReadOnlyMemory<byte> encodedData, bool owned)
    {
        if (owned && MemoryMarshal.TryGetMemoryManager(encodedData, out MemoryManager<byte>? owner))
        {
            ((IDisposable)owner).Dispose();
        }
    }
}
