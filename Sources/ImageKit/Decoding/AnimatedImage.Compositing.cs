using ImageKit.Decoding.Internal;

namespace ImageKit.Decoding;

public sealed partial class AnimatedImage
{
    // Called under the image's lock. Walks back along the chain of required frames to the nearest one that is cached (or
    // to an independent frame), then draws forward. Each drawn frame enters the cache, so playing in order draws exactly one
    // frame per call. Returns a buffer whose reference is held by the cache.
    private PixelBuffer Composite(int index)
    {
        Span<int> small = stackalloc int[16];
        var chain = new ChainBuilder(small);
        PixelBuffer? start = null;
        var frame = index;
        while (true)
        {
            chain.Push(frame);
            var required = _frameCount == 1 ? -1 : _source.GetRequiredFrame(frame);
            if (required < 0)
            {
                break;
            }

            if (required >= frame)
            {
                // A frame can only build on an earlier one; a (custom) source saying otherwise would loop here forever.
                throw new ImageDecodingException($"frame {frame} is said to require frame {required}, which is not an earlier frame") { FrameIndex = frame };
            }

            start = _composited.Get(required);
            if (start is not null)
            {
                break;
            }

            frame = required;
        }

        PixelBuffer? result = null;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            var current = chain[i];
            var required = _frameCount == 1 ? -1 : _source.GetRequiredFrame(current);
            var buffer = TakeCanvas(current, required);
            try
            {
                _source.RenderFrame(current, required, buffer.Span, PixelWidth * 4);
            }
            catch (ImageDecodingException e)
            {
                buffer.Release();
                // A source that is itself an image (a thumbnail's, a transform's) has named the frame already.
                var reason = e.FrameIndex == current ? e.Message : $"frame {current}: {e.Message}";
                throw new ImageDecodingException(current == index ? reason : $"frame {index} depends on frame {current}, which failed: {e.Message}", e)
                {
                    FrameIndex = index,
                    SourceName = SourceName,
                };
            }
            catch
            {
                buffer.Release();
                throw;
            }

            _composited.Add(current, buffer);
            result = buffer;
        }

        chain.Dispose();
        return result!;
    }

    // Returns a canvas holding what frame `current` is drawn onto, with one reference owned by the caller. When nobody but
    // the cache holds the required frame and no later frame needs it, that very buffer is taken over and drawn on in place
    // (no copy: in-order playback whose frames are disposed before the next is requested costs one decode per frame and
    // nothing else). Otherwise the required frame is copied into a fresh buffer.
    private PixelBuffer TakeCanvas(int current, int required)
    {
        if (required < 0)
        {
            var canvas = PixelBufferPool.Shared.Rent(checked((int)FrameByteCount));
            if (!_source.WritesEveryPixel(current))
            {
                canvas.Span.Clear();
            }

            return canvas;
        }

        if (LastDependent(required) <= current && _composited.TryTakeExclusive(required) is { } exclusive)
        {
            // Its pixels become frame `current`'s: it must not be shared as frame `required` any more.
            ForgetHandedOut(required, exclusive);
            return exclusive;
        }

        var prior = _composited.Get(required)
            ?? throw new InvalidOperationException($"Frame {required} needed by frame {current} is not composited.");
        var copy = PixelBufferPool.Shared.Rent(checked((int)FrameByteCount));
        prior.Span.CopyTo(copy.Span);
        return copy;
    }

    // For an animation wrapped by a scale-down or a transform, which keeps each frame it makes from this one itself: once
    // frame `index` has been made, its full-size copy is dropped unless a later frame is drawn onto it. Between calls the
    // image then keeps only frames that others are drawn onto (none for an animation of independent frames), whatever
    // order the frames are asked in.
    /// <summary>
    /// Lets go of the full-size frame a wrapping source (a scale-down, a transform) drew frame <paramref name="index"/>
    /// from, whether that drawing succeeded or failed: a still keeps none; an animation keeps only frames that later frames
    /// are drawn onto (counted by <see cref="WrappedStateBytes"/>). The wrapping image keeps its own result.
    /// </summary>
    internal void LetGoAfterWrappedRender(int index)
    {
        if (!IsAnimated)
        {
            TrimCache();
        }
        else
        {
            ReleaseCompositedUnlessBuiltOn(index);
        }
    }

    private void ReleaseCompositedUnlessBuiltOn(int index)
    {
        lock (_composited)
        {
            if (LastDependent(index) < 0)
            {
                _composited.Remove(index);
            }
        }
    }

    // What such a wrapped animation keeps between calls besides its encoded bytes: at most CompositedFramesKept of the
    // frames that others are drawn onto, and its decoder's state.
    internal long WrappedStateBytes
    {
        get
        {
            lock (_composited)
            {
                var builtOn = 0;
                for (var frame = 0; frame < _frameCount && builtOn < CompositedFramesKept; frame++)
                {
                    if (LastDependent(frame) >= 0)
                    {
                        builtOn++;
                    }
                }

                return (builtOn * FrameByteCount) + _source.DecoderStateBytes;
            }
        }
    }

    // The last frame drawn directly onto frame `frame`, or -1 when none is (a still's one frame: none, with no table).
    private int LastDependent(int frame)
    {
        if (_frameCount == 1)
        {
            return -1;
        }

        var tables = Tables;
        if (tables.LastDependent is null)
        {
            var last = new int[_frameCount];
            Array.Fill(last, -1);
            for (var j = 1; j < _frameCount; j++)
            {
                // A required frame that is not an earlier one is refused when frame j is drawn (Composite); it must not
                // break the table for every other frame.
                var required = _source.GetRequiredFrame(j);
                if (required >= 0 && required < j)
                {
                    last[required] = j;
                }
            }

            tables.LastDependent = last;
        }

        return tables.LastDependent[frame];
    }

    // A stack of frame indices that starts on the stack and moves to the heap only for long chains (random access deep
    // into an animation whose frames all depend on their predecessors).
    private ref struct ChainBuilder(Span<int> initial)
    {
        private Span<int> _items = initial;
        private int[]? _rented;

        public int Count { get; private set; }

        public readonly int this[int index] => _items[index];

        public void Push(int value)
        {
            if (Count == _items.Length)
            {
                var grown = System.Buffers.ArrayPool<int>.Shared.Rent(_items.Length * 2);
                _items.CopyTo(grown);
                if (_rented is not null)
                {
                    System.Buffers.ArrayPool<int>.Shared.Return(_rented);
                }

                _rented = grown;
                _items = grown;
            }

            _items[Count++] = value;
        }

        public void Dispose()
        {
            if (_rented is not null)
            {
                System.Buffers.ArrayPool<int>.Shared.Return(_rented);
                _rented = null;
            }
        }
    }
}
