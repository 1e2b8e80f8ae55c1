using System.Collections.Immutable;

namespace ImageKit.Loading;

/// <summary>
/// An ordered list of <see cref="IImageLoader"/>s (the counterpart of SDWebImage's loaders manager): the first that accepts a
/// URL loads it. Applications add loaders for their own schemes with <see cref="Insert"/>.
/// </summary>
/// <remarks>Thread-safe: the list is replaced atomically.</remarks>
public sealed class ImageLoaderRegistry
{
    private ImmutableArray<IImageLoader> _loaders;

    /// <summary>Creates a registry with <paramref name="loaders"/>, in order.</summary>
    /// <exception cref="ArgumentException"><paramref name="loaders"/> holds a null loader (every load would meet it).</exception>
    public ImageLoaderRegistry(IEnumerable<IImageLoader> loaders)
    {
        ArgumentNullException.ThrowIfNull(loaders);
        _loaders = [.. loaders];
        if (_loaders.Contains(null!))
        {
            throw new ArgumentException("The list holds a null loader.", nameof(loaders));
        }
    }

    /// <summary>The loaders, in the order they are asked.</summary>
    public ImmutableArray<IImageLoader> Loaders => _loaders;

    /// <summary>Inserts <paramref name="loader"/> at <paramref name="index"/> (0 = asked first).</summary>
    public void Insert(int index, IImageLoader loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        ImmutableInterlocked.Update(ref _loaders, static (list, arg) => list.Insert(arg.index, arg.loader), (index, loader));
    }

    /// <summary>Returns the first loader that accepts <paramref name="url"/>, or <see langword="null"/>.</summary>
    public IImageLoader? Find(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        foreach (var loader in _loaders)
        {
            if (loader.CanLoad(url))
            {
                return loader;
            }
        }

        return null;
    }
}
