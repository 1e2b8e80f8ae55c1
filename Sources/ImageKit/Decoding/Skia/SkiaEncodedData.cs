using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace ImageKit.Decoding.Skia;

/// <summary>
/// An image's encoded bytes, copied once into native memory owned by an <see cref="SKData"/> and exposed as
/// <see cref="Memory{T}"/>. Skia codecs take their own native reference on the same data, so the bytes live exactly as
/// long as the last of their holders, in whatever order they are disposed or finalized, and nothing is pinned or copied
/// again.
/// </summary>
internal sealed class SkiaEncodedData : MemoryManager<byte>
{
    private SKData? _data;
    private readonly int _length;

    private SkiaEncodedData(SKData data, int length)
    {
        _data = data;
        _length = length;
    }

    /// <summary>The native data; a codec that needs it takes its own reference (SKMemoryStream).</summary>
    public SKData Data => _data ?? throw new ObjectDisposedException(nameof(SkiaEncodedData));

    /// <summary>Copies <paramref name="bytes"/> into native memory.</summary>
    public static SkiaEncodedData Copy(ReadOnlySpan<byte> bytes)
    {
        var data = SKData.CreateCopy(bytes) ?? throw new ImageDecodingException("Skia could not allocate memory for the encoded data");
        return new SkiaEncodedData(data, bytes.Length);
    }

    /// <summary>
    /// Wraps <paramref name="bytes"/>, which must lie in an array on the pinned object heap that nothing writes to again,
    /// without copying it: the array stays reachable from the data's release context until Skia's last reference goes.
    /// </summary>
    public static unsafe SkiaEncodedData WrapPinned(ReadOnlyMemory<byte> bytes)
    {
        if (!MemoryMarshal.TryGetArray(bytes, out var segment) || segment.Array is not { } array || segment.Count == 0)
        {
            return Copy(bytes.Span);
        }

        var address = (IntPtr)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), segment.Offset));
        var data = SKData.Create(address, segment.Count, s_keepArray, array) ?? throw new ImageDecodingException("Skia could not wrap the encoded data");
        return new SkiaEncodedData(data, segment.Count);
    }

    // The array is the context: Skia's proxy keeps it reachable until the data is released; nothing else is to free.
    private static readonly SKDataReleaseDelegate s_keepArray = static (_, _) => { };

    public override unsafe Span<byte> GetSpan() => _length == 0 ? [] : new Span<byte>((void*)Data.Data, _length);

    // Native memory does not move: pinning is a no-op that hands out the address.
    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle((byte*)Data.Data + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Interlocked.Exchange(ref _data, null)?.Dispose();
        }
    }
}
