using ImageKit.Decoding.ImageIO.Interop;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// Plays ImageIO for the decoder on any OS: hands out numbered objects, records every release (a second release of the
/// same object, or of one it never made, is a recorded error), and draws a known colour. Each step can be told to fail.
/// </summary>
internal sealed class FakeImageIO : IImageIO
{
    private readonly Lock _lock = new();
    private readonly HashSet<IntPtr> _live = [];
    private readonly List<string> _errors = [];
    private nint _next = 0x1000;

    public ImageIOProperties? Properties { get; set; } = new(12, 8, 1, HasAlpha: true);

    public int Status { get; set; }

    public bool FailCreateSource { get; set; }

    public bool FailCreateImage { get; set; }

    public bool FailDraw { get; set; }

    /// <summary>What <see cref="Draw"/> fills every pixel with, in memory order (B, G, R, A).</summary>
    public byte[] Colour { get; set; } = [0x10, 0x20, 0x30, 0xFF];

    public int SourcesCreated { get; private set; }

    public int? LastMaxPixelSize { get; private set; }

    public int Live
    {
        get
        {
            lock (_lock)
            {
                return _live.Count;
            }
        }
    }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_lock)
            {
                return [.. _errors];
            }
        }
    }

    public IntPtr CreateSource(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            SourcesCreated++;
        }

        return FailCreateSource ? IntPtr.Zero : NewObject();
    }

    public int GetStatus(IntPtr source) => CheckLive(source) ? Status : -1;

    public long GetCount(IntPtr source) => CheckLive(source) ? 1 : 0;

    public bool TryGetProperties(IntPtr source, int index, out ImageIOProperties properties)
    {
        properties = Properties ?? default;
        return CheckLive(source) && Properties is not null;
    }

    public IntPtr CreateUprightImage(IntPtr source, int index, int maxPixelSize)
    {
        LastMaxPixelSize = maxPixelSize;
        return CheckLive(source) && !FailCreateImage ? NewObject() : IntPtr.Zero;
    }

    public unsafe bool Draw(IntPtr image, IntPtr pixels, int width, int height, int rowBytes)
    {
        if (!CheckLive(image) || FailDraw)
        {
            return false;
        }

        var span = new Span<byte>((void*)pixels, rowBytes * height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                Colour.CopyTo(span.Slice((y * rowBytes) + (x * 4), 4));
            }
        }

        return true;
    }

    public void Release(IntPtr cfObject)
    {
        lock (_lock)
        {
            if (!_live.Remove(cfObject))
            {
                _errors.Add($"released 0x{cfObject:x}, which is not live");
            }
        }
    }

    private IntPtr NewObject()
    {
        lock (_lock)
        {
            var handle = _next++;
            _live.Add(handle);
            return handle;
        }
    }

    private bool CheckLive(IntPtr handle)
    {
        lock (_lock)
        {
            if (_live.Contains(handle))
            {
                return true;
            }

            _errors.Add($"used 0x{handle:x}, which is not live");
            return false;
        }
    }
}
