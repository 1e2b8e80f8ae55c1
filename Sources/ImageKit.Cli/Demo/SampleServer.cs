using System.Net;
using System.Net.Sockets;

namespace ImageKit.Cli.Demo;

/// <summary>
/// The demo's loopback HTTP server: serves sample animations at <c>/samples/{name}</c> on 127.0.0.1, with a Content-Type
/// and an ETag (and 304 for a matching If-None-Match), and counts the requests it answered.
/// </summary>
/// <remarks>
/// HttpListener rather than Kestrel, so the tool needs only the .NET runtime, not ASP.NET Core's. The file is also
/// compiled into Demo.Mac (linked), so it takes the samples' bytes from its caller rather than from the tool's resources.
/// </remarks>
internal sealed class SampleServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Func<HttpListener, Task<HttpListenerContext>> _accept;
    private readonly Dictionary<string, byte[]> _samples;
    private readonly Task _loop;
    private int _requests;

    private SampleServer(IEnumerable<string> names, Func<string, byte[]> readSample, Func<HttpListener, Task<HttpListenerContext>> accept)
    {
        _accept = accept;
        _samples = names.ToDictionary(static n => n, readSample, StringComparer.Ordinal);
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/samples/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseAddress { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts serving the named samples, each read once, now, through <paramref name="readSample"/>.</summary>
    public static SampleServer Start(IEnumerable<string> names, Func<string, byte[]> readSample) =>
        new(names, readSample, static listener => listener.GetContextAsync());

    /// <summary>For tests: <paramref name="accept"/> stands for <see cref="HttpListener.GetContextAsync"/>.</summary>
    internal static SampleServer Start(IEnumerable<string> names, Func<string, byte[]> readSample, Func<HttpListener, Task<HttpListenerContext>> accept) =>
        new(names, readSample, accept);

    public Uri Url(string name) => new(BaseAddress, name);

    public async ValueTask DisposeAsync()
    {
        // The loop is told first: HttpListener's Stop does not complete a GetContext that registers just after Stop's
        // clean-up (it checks its state outside the lock that clean-up takes), and awaiting that one hung a demo that
        // stopped its server as the loop started (its first line could not be written).
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
        }

        _listener.Close();
        _stopping.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".apng" => "image/apng",
        _ => "application/octet-stream",
    };

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            var accepting = _accept(_listener);
            try
            {
                context = await accepting.WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Left behind: if the listener ever completes it, with a context or its ObjectDisposedException, nobody
                // is waiting; observe it so that it is not reported as an unobserved exception.
                _ = accepting.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Interlocked.Increment(ref _requests);
            _ = Task.Run(() => Answer(context));
        }
    }

    private async Task Answer(HttpListenerContext context)
    {
        using var response = context.Response;
        try
        {
            var path = context.Request.Url?.AbsolutePath ?? "";
            var name = path.StartsWith("/samples/", StringComparison.Ordinal) ? path["/samples/".Length..] : "";
            if (!_samples.TryGetValue(name, out var body))
            {
                response.StatusCode = 404;
                return;
            }

            var etag = $"\"{name}-{body.Length}\"";
            response.Headers["ETag"] = etag;
            if (context.Request.Headers["If-None-Match"] == etag)
            {
                response.StatusCode = 304;
                return;
            }

            response.ContentType = ContentType(name);
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away: nothing to answer.
        }
    }
}
