namespace ImageKit.Caching.Internal;

/// <summary>
/// The tasks of an <see cref="IImageCache"/> that may be the app's: a member that returns no task (null) is that cache's
/// bug, reported as one (an <see cref="InvalidOperationException"/> naming the cache), not as a
/// <see cref="NullReferenceException"/> from ImageKit's own code. The same whether the cache is a chain's member or given to
/// the manager itself.
/// </summary>
internal static class CacheTasks
{
    public static Task<T> Checked<T>(Task<T>? task, IImageCache cache) => task ?? Task.FromException<T>(NoTask(cache));

    public static Task Checked(Task? task, IImageCache cache) => task ?? Task.FromException(NoTask(cache));

    public static InvalidOperationException NoTask(IImageCache cache) => new($"the cache {cache.GetType().Name} returned no task");
}
