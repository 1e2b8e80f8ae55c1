using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageKit.Tests.TestUtilities;

/// <summary>A real Kestrel server on 127.0.0.1 with a random port, configured per test with endpoints that may misbehave.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static Task<LoopbackServer> StartAsync(Action<WebApplication> map, CancellationToken cancellationToken = default) =>
        StartAsync(map, certificate: null, cancellationToken);

    /// <param name="map">Maps the test's endpoints.</param>
    /// <param name="certificate">
    /// With a certificate, the server speaks HTTPS only, offering HTTP/2 and HTTP/1.1 through ALPN as a public server would.
    /// </param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<LoopbackServer> StartAsync(Action<WebApplication> map, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        // The content root is where the host watches appsettings*.json for changes (inotify, recursively): the current
        // directory would put every file written under it (another process's, or strace's output) on this process's CPU.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoopbackServer(app, new Uri(address));
    }

    public Uri Url(string path) => new(BaseAddress, path);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static RequestDelegate Bytes(byte[] body, string contentType) => async context =>
    {
        context.Response.ContentType = contentType;
        await context.Response.Body.WriteAsync(body);
    };
}
