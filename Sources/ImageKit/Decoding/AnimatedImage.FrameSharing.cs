using ImageKit.Decoding.Internal;

namespace ImageKit.Decoding;

/// <summary>
/// Sharing frames between everyone who asks for them: several players of one image (the same GIF in many cells of a
/// list) each keep frames in their own buffers, and without this each would decode every frame itself (five players,
/// five decodes of each frame). SDWebImage shares frames per image the same way (its frame pool).
/// </summary>
/// <remarks>
/// The image remembers, per frame, the pixels it last handed out, weakly and without taking a reference. A later request
/// for that frame takes a new reference on them if any holder is still alive (<see cref="PixelBuffer.TryAddReference"/>:
/// a released buffer never comes back, so a stale entry simply misses). The one place pixels are rewritten is a
/// composited frame drawn on in place when nobody else holds it (<c>TakeCanvas</c>): that forgets the entry first. All
/// of this runs under the image's lock, which is also the only place new references on these buffers are taken.
/// Held weakly so that a forgotten, undisposed frame is still reclaimed by its finalizer while the image lives on.
/// </remarks>
public sealed partial class AnimatedImage
{
    /// <summary>
    /// Frame <paramref name="index"/> if it is at hand without decoding (kept by the image, or held by someone it was
    /// handed out to), else <see langword="null"/>: a player whose budget is full still takes frames another player of
    /// this image holds, as they cost the budget nothing more.
    /// </summary>
    internal ImageFrame? TryGetFrameWithoutDecoding(int index)
    {
        lock (_composited)
        {
            if (_disposed)
            {
                return null;
            }

            var buffer = _source.StoredFrame(index) ?? _composited.Get(index);
            if (buffer is not null)
            {
                buffer.AddReference();
            }
            else
            {
                buffer = TryShareHandedOut(index);
            }

            return buffer is null ? null : NewFrame(buffer, index);
        }
    }

    // Under the image's lock. A new reference on the pixels of frame `index` that someone still holds, or null.
    private PixelBuffer? TryShareHandedOut(int index) =>
        _frameCount > 1 && Tables.HandedOut?[index] is { } entry && entry.TryGetTarget(out var buffer) && buffer.TryAddReference() ? buffer : null;

    // Under the image's lock. Remembers that `buffer` holds frame `index` (it must, for as long as anyone holds a
    // reference). Only for animations: a still's one frame stays among the composited frames the image keeps (until a
    // trim), and a weak reference per still would put a GC handle on every cold load.
    private void RememberHandedOut(int index, PixelBuffer buffer)
    {
        if (_frameCount == 1)
        {
            return;
        }

        var handedOut = Tables.HandedOut ??= new WeakReference<PixelBuffer>?[_frameCount];
        if (handedOut[index] is { } entry)
        {
            entry.SetTarget(buffer);
        }
        else
        {
            handedOut[index] = new WeakReference<PixelBuffer>(buffer);
        }
    }

    // Under the image's lock. `buffer` is about to hold another frame than `index`: it must no longer be found as frame
    // `index`.
    private void ForgetHandedOut(int index, PixelBuffer buffer)
    {
        if (_frameCount > 1 && Tables.HandedOut?[index] is { } entry && entry.TryGetTarget(out var remembered) && ReferenceEquals(remembered, buffer))
        {
            entry.SetTarget(null!);
        }
    }
}
