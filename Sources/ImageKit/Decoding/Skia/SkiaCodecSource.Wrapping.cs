using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Decoding.Skia;

// Bytes that are not the registry's native copy (a custom decoder's, a caller's memory), read in place: pinned for as long
// as Skia holds them.
internal sealed partial class SkiaCodecSource
{
    private static readonly SKDataReleaseDelegate s_unpin = static (_, context) => ((IDisposable)context!).Dispose();

    private static SKData WrapWithoutCopy(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new ImageDecodingException("the data is empty (0 bytes)");
        }

        // The pin is owned by the SKData from here on: Skia calls the release procedure exactly once, when its last
        // reference goes, and only then is the memory unpinned. (Arrays on the pinned object heap pin for free.)
        var pin = new PinnedMemory(data.Pin());
        try
        {
            unsafe
            {
                return SKData.Create((IntPtr)pin.Pointer, data.Length, s_unpin, pin)
                    ?? throw new ImageDecodingException("Skia could not wrap the encoded data");
            }
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    private sealed class PinnedMemory : IDisposable
    {
        private System.Buffers.MemoryHandle _handle;
        private int _released;

        public PinnedMemory(System.Buffers.MemoryHandle handle)
        {
            _handle = handle;
            NativeResourceCounters.PinTaken();
        }

        public unsafe void* Pointer => _handle.Pointer;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                NativeResourceCounters.ExtraRelease();
                return;
            }

            _handle.Dispose();
            NativeResourceCounters.PinReleased();
        }
    }
}
