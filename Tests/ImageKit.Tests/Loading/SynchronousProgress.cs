namespace ImageKit.Tests.Loading;

/// <summary>An <see cref="IProgress{T}"/> that runs its handler inline, so reports arrive in order.</summary>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
