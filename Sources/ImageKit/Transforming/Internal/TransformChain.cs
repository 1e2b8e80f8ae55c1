using System.Drawing;
using System.Globalization;
using System.Text;
using ImageKit.Decoding.Internal;

namespace ImageKit.Transforming.Internal;

/// <summary>
/// Transformers applied one after another: the sizes they make, and running them over one frame with pooled buffers in
/// between. Every exception a transformer throws comes out as an <see cref="ImageTransformException"/> naming it.
/// </summary>
internal sealed class TransformChain
{
    private readonly IReadOnlyList<ImageTransformer> _transformers;

    // _sizes[0] is the input; _sizes[i + 1] what transformer i makes.
    private readonly Size[] _sizes;

    private TransformChain(IReadOnlyList<ImageTransformer> transformers, Size[] sizes)
    {
        _transformers = transformers;
        _sizes = sizes;
    }

    /// <summary>The size the last transformer makes.</summary>
    public Size OutputSize => _sizes[^1];

    /// <summary>Whether the last transformer writes every output pixel.</summary>
    public bool WritesEveryPixel => _transformers[^1].WritesEveryPixel;

    /// <summary>Whether an opaque input stays opaque through every transformer.</summary>
    public bool KeepsOpaque => _transformers.All(static t => t.KeepsOpaque);

    /// <summary>Works out every transformer's output size for an input of <paramref name="inputSize"/>.</summary>
    /// <exception cref="ImageTransformException">A transformer refuses the size, fails, or gives a size that is not positive.</exception>
    public static TransformChain Create(IReadOnlyList<ImageTransformer> transformers, Size inputSize)
    {
        var sizes = new Size[transformers.Count + 1];
        sizes[0] = inputSize;
        for (var i = 0; i < transformers.Count; i++)
        {
            var transformer = transformers[i];
            Size size;
            try
            {
                size = transformer.GetOutputSize(sizes[i]);
            }
            catch (Exception e) when (e is not ImageTransformException and not OutOfMemoryException)
            {
                throw Failed(transformer, sizes[i], e);
            }

            if (size.Width <= 0 || size.Height <= 0)
            {
                throw new ImageTransformException(transformer.Key, string.Create(CultureInfo.InvariantCulture,
                    $"the transformer '{transformer.Key}' gave an output size of {size.Width}x{size.Height} for a {sizes[i].Width}x{sizes[i].Height} image; both sides must be positive"));
            }

            if ((long)size.Width * size.Height > int.MaxValue / 4)
            {
                throw new ImageTransformException(transformer.Key, string.Create(CultureInfo.InvariantCulture,
                    $"the transformer '{transformer.Key}' gave an output size of {size.Width}x{size.Height}, more pixels than one frame can hold"));
            }

            sizes[i + 1] = size;
        }

        return new TransformChain(transformers, sizes);
    }

    /// <summary>The memory-cache part of a transformer list: each key, length-prefixed so that no two lists read the same.</summary>
    public static string CacheKey(IReadOnlyList<ImageTransformer> transformers)
    {
        var key = new StringBuilder();
        for (var i = 0; i < transformers.Count; i++)
        {
            // Checked non-empty when the options were made, but read again here: an app's transformer that breaks the
            // rule (its key changes) gets a clear error, not a NullReferenceException or results shared under one key.
            var part = transformers[i].Key;
            if (string.IsNullOrEmpty(part))
            {
                throw new ImageTransformException($"Transformer {i} ({transformers[i].GetType().Name}) has an empty key now, after it was checked: ImageTransformer.Key must not change over a transformer's life.");
            }

            key.Append(CultureInfo.InvariantCulture, $"{part.Length}:{part}");
        }

        return key.ToString();
    }

    /// <summary>The size the first transformer is given (the input's).</summary>
    public Size InputSize => _sizes[0];

    /// <summary>The first transformer.</summary>
    public ImageTransformer First => _transformers[0];

    /// <summary>
    /// Runs every transformer over <paramref name="input"/> into <paramref name="output"/> (of <see cref="OutputSize"/>,
    /// rows tightly packed), which is cleared here unless the last transformer writes every pixel.
    /// </summary>
    /// <exception cref="ImageTransformException">A transformer failed.</exception>
    public void Apply(ReadOnlySpan<byte> input, Span<byte> output) => Apply(input, _sizes[0], output);

    /// <summary>
    /// As <see cref="Apply(ReadOnlySpan{byte}, Span{byte})"/>, with an input of another size than <see cref="InputSize"/>
    /// (a still decoded smaller for a first transformer that makes the same output from any input: a resize).
    /// </summary>
    /// <exception cref="ImageTransformException">A transformer failed.</exception>
    public void Apply(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output)
    {
        PixelBuffer? previous = null;
        try
        {
            for (var i = 0; i < _transformers.Count; i++)
            {
                var transformer = _transformers[i];
                var last = i == _transformers.Count - 1;
                var size = _sizes[i + 1];
                var next = last ? null : PixelBufferPool.Shared.Rent(checked(size.Width * size.Height * 4));
                try
                {
                    var target = next is null ? output : next.Span;
                    if (!transformer.WritesEveryPixel)
                    {
                        target.Clear();
                    }

                    var source = previous is null ? input : (ReadOnlySpan<byte>)previous.Span;
                    transformer.Transform(source, i == 0 ? inputSize : _sizes[i], target, size);
                }
                catch (Exception e) when (e is not ImageTransformException and not OutOfMemoryException)
                {
                    next?.Release();
                    throw Failed(transformer, i == 0 ? inputSize : _sizes[i], e);
                }
                catch
                {
                    next?.Release();
                    throw;
                }

                previous?.Release();
                previous = next;
            }
        }
        finally
        {
            previous?.Release();
        }
    }

    private static ImageTransformException Failed(ImageTransformer transformer, Size input, Exception e) =>
        new(transformer.Key, string.Create(CultureInfo.InvariantCulture,
            $"the transformer '{transformer.Key}' failed on a {input.Width}x{input.Height} image: {e.Message}"), e);
}
