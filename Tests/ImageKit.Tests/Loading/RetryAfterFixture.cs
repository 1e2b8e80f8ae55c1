using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A server whose <c>/busy/{id}</c> answers <c>503</c> with <c>Retry-After</c> the first time and the image after, beside
/// <c>/image/{name}</c> (the image at once): for the tests of what a retry's wait lets other downloads do.
/// </summary>
internal static class RetryAfterServer
{
    public static Task<ImageServer> StartAsync(TimeSpan retryAfter, CancellationToken cancellationToken) => ImageServer.StartAsync(
        (app, server) =>
        {
            app.MapGet("/busy/{id}", (HttpContext context) =>
            {
                if (server.Hits(context.Request.Path.Value!) == 1)
                {
                    context.Response.StatusCode = 503;
                    context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Task.CompletedTask;
                }

                return ImageServer.WriteAsync(context, ImageServer.Gif);
            });
            app.MapGet("/image/{name}", context => ImageServer.WriteAsync(context, ImageServer.Gif));
        },
        cancellationToken);
}

/// <summary>
/// A fake clock whose retry waits (timers due in <c>retryAfter</c>) end only when the test advances it: says when the
/// first has been set (<see cref="RetryWait"/>) and counts them (<see cref="RetryWaits"/>).
/// </summary>
internal sealed class RetryAfterClock(TimeSpan retryAfter) : FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero))
{
    private int _retryWaits;

    public TaskCompletionSource RetryWait { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int RetryWaits => Volatile.Read(ref _retryWaits);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime == retryAfter)
        {
            Interlocked.Increment(ref _retryWaits);
            RetryWait.TrySetResult();
        }

        return timer;
    }
}
