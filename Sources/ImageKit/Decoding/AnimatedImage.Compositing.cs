using ImageKit.Decoding.Internal;

namespace ImageKit.Decoding;

public sealed partial class AnimatedImage
{
    // Called under _lock. Walks back along the chain of required frames to the nearest one that is cached (or to an
    // independent frame), then draws forward. Each drawn frame enters the cache, so playing in order draws exactly one
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
            var buffer = _pool.Rent(checked((int)FrameByteCount));
            try
            {
                var canvas = buffer.Span;
                if (required < 0)
                {
                    canvas.Clear();
                }
                else
                {
                    var prior = _composited.Get(required)
                        ?? throw new InvalidOperationException($"Frame {required} needed by frame {current} is not composited.");
                    prior.Span.CopyTo(canvas);
                }

                _source.RenderFrame(current, required, canvas, PixelWidth * 4);
            }
            catch (ImageDecodingException e)
            {
                buffer.Release();
                throw new ImageDecodingException(
                    current == index ? $"frame {index}: {e.Message}" : $"frame {index} depends on frame {current}, which failed: {e.Message}",
                    e)
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
