using System.Net;
using System.Net.Sockets;
using ImageKit.Loading;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A TLS handshake cut off by the server (a connection closed or reset before it completed: a restarting TLS terminator,
/// an overloaded host) is a connection error, retried and counted by the circuit breaker like any other; only a
/// certificate or protocol the client refuses is not (it would be refused again).
/// </summary>
[TestClass]
public sealed class ImageDownloaderTlsHandshakeTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(false, DisplayName = "closed")]
    [DataRow(true, DisplayName = "reset")]
    public async Task DownloadAsync_HandshakeCutOffByTheServer_IsRetriedAsANetworkError(bool reset)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await listener.AcceptSocketAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                Interlocked.Increment(ref accepted);
                using (socket)
                {
                    // Reads the ClientHello, then ends the connection before answering it.
                    var hello = new byte[4096];
                    _ = await socket.ReceiveAsync(hello, SocketFlags.None, stop.Token);
                    if (reset)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                }
            }
        });

        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 2));
        try
        {
            var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(
                () => downloader.DownloadAsync(new ImageDownloadRequest(new Uri($"https://127.0.0.1:{port}/image.gif")), null, TestContext.CancellationToken));

            Assert.AreEqual(ImageDownloadFailure.Network, ex.Failure, ex.Message);
            Assert.AreEqual(3, ex.Attempts, ex.Message);
            Assert.AreEqual(3, Volatile.Read(ref accepted));
        }
        finally
        {
            await stop.CancelAsync();
            await server;
        }
    }
}
