using System.Net;
using System.Net.Sockets;
using ImageKit.Loading.Internal;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A host whose first address never answers (IPv6 broken on the way: the SYN is dropped) and whose second works. The
/// handler's own connect tried the addresses one after another, so each attempt waited out its whole timeout on the
/// dead address and the load failed; the downloader's connect now races the addresses as RFC 8305 asks. A dead address
/// is made here by a listener whose accept queue is full: the kernel drops further SYNs, as a black hole does.
/// </summary>
[TestClass]
public sealed class HappyEyeballsTests
{
    private static readonly IPAddress V6a = IPAddress.Parse("2001:db8::1");
    private static readonly IPAddress V6b = IPAddress.Parse("2001:db8::2");
    private static readonly IPAddress V4a = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress V4b = IPAddress.Parse("192.0.2.2");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Order_AlternatesTheFamiliesStartingWithTheResolversFirstChoice()
    {
        CollectionAssert.AreEqual(new[] { V6a, V4a, V6b, V4b }, HappyEyeballs.Order([V6a, V6b, V4a, V4b]));
        CollectionAssert.AreEqual(new[] { V4a, V6a, V4b, V6b }, HappyEyeballs.Order([V4a, V4b, V6a, V6b]));
        CollectionAssert.AreEqual(new[] { V4a, V6a, V6b }, HappyEyeballs.Order([V4a, V6a, V6b]));
        CollectionAssert.AreEqual(new[] { V6a, V4a }, HappyEyeballs.Order([V6a, V6a, V4a]));
        Assert.IsEmpty(HappyEyeballs.Order([]));
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Get_HostWhoseIPv6AddressNeverAnswers_ConnectsOverIPv4()
    {
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/a.gif", (HttpContext context) => context.Response.WriteAsync("GIF89a", TestContext.CancellationToken)),
            TestContext.CancellationToken);
        var port = server.BaseAddress.Port;
        using var blackHole = BlackHole.Listen(IPAddress.IPv6Loopback, port);
        var connections = new OpenConnections { Resolve = (_, _) => Task.FromResult(new[] { IPAddress.IPv6Loopback, IPAddress.Loopback }) };
        using var client = new HttpClient(new SocketsHttpHandler { ConnectCallback = connections.ConnectAsync, UseProxy = false })
        {
            Timeout = TimeSpan.FromSeconds(30), // SocketsHttpHandler's own connect would still be waiting on ::1 then
        };

        var body = await client.GetStringAsync(new Uri($"http://images.test:{port}/a.gif"), TestContext.CancellationToken);

        Assert.AreEqual("GIF89a", body);
        connections.CloseAll();
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task ConnectAsync_FirstAddressRefuses_TriesTheNextAtOnceWithoutWaitingForTheDelay()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var discarded = 0;

        using var socket = await HappyEyeballs.ConnectAsync(
            [IPAddress.Parse("127.0.0.2"), IPAddress.Loopback], port, Open, s => { Interlocked.Increment(ref discarded); s.Dispose(); },
            TimeSpan.FromHours(1), TestContext.CancellationToken);

        Assert.IsTrue(socket.Connected);
        Assert.AreEqual(IPAddress.Loopback, ((IPEndPoint)socket.RemoteEndPoint!).Address);
        Assert.AreEqual(1, discarded, "the refused attempt's socket was closed");
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task ConnectAsync_EveryAddressRefuses_ThrowsTheSocketError()
    {
        var port = ClosedPort();
        var discarded = 0;

        var failure = await Assert.ThrowsAsync<SocketException>(() => HappyEyeballs.ConnectAsync(
            [IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3")], port, Open, s => { Interlocked.Increment(ref discarded); s.Dispose(); },
            TimeSpan.FromHours(1), TestContext.CancellationToken));

        Assert.AreEqual(SocketError.ConnectionRefused, failure.SocketErrorCode);
        Assert.AreEqual(2, discarded);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task ConnectAsync_CancelledWhileEveryAttemptWaits_ThrowsAndClosesEverySocket()
    {
        var port = ClosedPort();
        using var holeA = BlackHole.Listen(IPAddress.IPv6Loopback, port);
        using var holeB = BlackHole.Listen(IPAddress.Loopback, port);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var opened = 0;
        var discarded = 0;
        cancel.CancelAfter(TimeSpan.FromMilliseconds(600)); // after both attempts have started (50 ms apart)

        await Assert.ThrowsAsync<OperationCanceledException>(() => HappyEyeballs.ConnectAsync(
            [IPAddress.IPv6Loopback, IPAddress.Loopback], port, f => { Interlocked.Increment(ref opened); return Open(f); }, s => { Interlocked.Increment(ref discarded); s.Dispose(); },
            TimeSpan.FromMilliseconds(50), cancel.Token));

        Assert.AreEqual(2, opened);
        Assert.AreEqual(2, discarded);
    }

    /// <summary>
    /// Attempts that fail while another wins are observed: their exceptions reached
    /// <see cref="TaskScheduler.UnobservedTaskException"/> (270–340 of 300 connects in the review that found it).
    /// </summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task ConnectAsync_LosersThatFail_LeaveNoUnobservedTaskException()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var unobserved = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> count = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(x => x is SocketException { SocketErrorCode: SocketError.ConnectionRefused }))
            {
                Interlocked.Increment(ref unobserved);
            }
        };
        TaskScheduler.UnobservedTaskException += count;
        try
        {
            for (var i = 0; i < 200; i++)
            {
                using var socket = await HappyEyeballs.ConnectAsync(
                    [IPAddress.Loopback, IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3")], port, Open, s => s.Dispose(),
                    TimeSpan.Zero, TestContext.CancellationToken);
                using var accepted = await listener.AcceptSocketAsync(TestContext.CancellationToken);
            }

            await Task.Delay(100, TestContext.CancellationToken); // the losers' continuations have run
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= count;
        }

        Assert.AreEqual(0, unobserved);
    }

    private static Socket Open(AddressFamily family) => new(family, SocketType.Stream, ProtocolType.Tcp);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A listening address that never answers a connect: its accept queue is full, so the kernel drops SYNs.</summary>
    private sealed class BlackHole : IDisposable
    {
        private readonly Socket _listener;
        private readonly List<Socket> _fillers = [];

        private BlackHole(Socket listener) => _listener = listener;

        public static BlackHole Listen(IPAddress address, int port)
        {
            var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(0);
            var hole = new BlackHole(listener);
            for (var i = 0; i < 3; i++)
            {
                var filler = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                hole._fillers.Add(filler);
                try
                {
                    filler.Connect(new IPEndPoint(address, port));
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                }
            }

            Thread.Sleep(100); // the fillers' handshakes complete and fill the queue
            return hole;
        }

        public void Dispose()
        {
            foreach (var filler in _fillers)
            {
                filler.Dispose();
            }

            _listener.Dispose();
        }
    }
}
