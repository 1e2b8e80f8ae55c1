using System.Runtime.InteropServices;
using ImageKit.Decoding;
using ImageKit.Views.Internal;

namespace ImageKit.Views;

/// <summary>
/// Keeps a frame's pixels alive and at a fixed address for as long as native code reads them in place: the owner of the
/// memory behind a <c>CGDataProvider</c> made with <c>CGDataProviderCreateWithData</c>. Pass <see cref="Address"/> and
/// <see cref="ByteCount"/> as the data, and call <see cref="Release"/> from the provider's release callback.
/// </summary>
/// <remarks>
/// <para>
/// <b>Ownership.</b> The lease takes its own <see cref="ImageFrame.Share">share</see> of the frame, so the caller keeps
/// (and disposes) the frame it passed in, and the pixels stay valid after that frame, the image and every cache have
/// let go of them, until <see cref="Release"/>. The pixels live in native memory at a fixed address, so nothing needs
/// pinning; <see cref="Release"/> gives back the share exactly once, however many times it is called and from whichever
/// thread (Core Graphics calls release callbacks on any thread, once).
/// </para>
/// <para>
/// <b>Forgetting to release</b> keeps the pixels until the process ends: the lease roots itself (a normal
/// <see cref="GCHandle"/>) until <see cref="Release"/>, because native code may still be reading the memory, so nothing
/// reclaims it early even if the caller drops every reference to the lease. That is why the only way to get one is to hand
/// its release to the native owner at once.
/// </para>
/// </remarks>
public sealed class FramePixelLease : IDisposable
{
    private readonly IntPtr _pointer;
    private GCHandle _root;
    private ImageFrame? _frame;
    private int _released;

    private FramePixelLease(ImageFrame frame, FrameBitmapLayout layout)
    {
        _frame = frame;
        _pointer = frame.Buffer.Address;
        _root = GCHandle.Alloc(this);
        Layout = layout;
        FramePixelLeaseCounters.Created();
    }

    /// <summary>How the pixels at <see cref="Address"/> are laid out.</summary>
    public FrameBitmapLayout Layout { get; }

    /// <summary>The bytes at <see cref="Address"/>: <see cref="FrameBitmapLayout.ByteCount"/>.</summary>
    public long ByteCount => Layout.ByteCount;

    /// <summary>Whether <see cref="Release"/> has run.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>The address of the first pixel; valid until <see cref="Release"/>.</summary>
    /// <exception cref="ObjectDisposedException">The lease has been released.</exception>
    public IntPtr Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsReleased, this);
            return _pointer;
        }
    }

    /// <summary>Leases <paramref name="frame"/>'s pixels. The caller still owns <paramref name="frame"/> and disposes it as usual.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="frame"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="frame"/> has been disposed.</exception>
    public static FramePixelLease Create(ImageFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var share = frame.Share();
        try
        {
            return new FramePixelLease(share, FrameBitmapLayout.For(share));
        }
        catch
        {
            share.Dispose();
            throw;
        }
    }

    /// <summary>Gives back the frame share. Idempotent and thread-safe; only the first call counts.</summary>
    /// <returns><see langword="true"/> for the call that released; <see langword="false"/> if the lease was already released.</returns>
    public bool Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            FramePixelLeaseCounters.ExtraRelease();
            return false;
        }

        Interlocked.Exchange(ref _frame, null)?.Dispose();
        _root.Free();
        FramePixelLeaseCounters.Released();
        return true;
    }

    /// <summary>Same as <see cref="Release"/>.</summary>
    public void Dispose() => Release();
}
