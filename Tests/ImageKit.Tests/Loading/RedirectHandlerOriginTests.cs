using ImageKit.Loading.Internal;
using System.Net;
using System.Net.Http.Headers;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Which redirects keep a request's credentials (<c>Authorization</c>, <c>Cookie</c>, a load's own headers): those to the
/// request's own origin only. A host spelt in Unicode (<c>bücher.example</c>) and in punycode (<c>xn--bcher-kva.example</c>)
/// is one host, where the request goes either way; hosts that differ otherwise (a letter, a trailing dot, the port, the
/// scheme) are other origins. Tested on <see cref="RedirectHandler"/> over an in-memory handler: no DNS for such names here.
/// </summary>
[TestClass]
public sealed class RedirectHandlerOriginTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("http://bücher.example/a.gif", "http://xn--bcher-kva.example/b.gif")]
    [DataRow("http://xn--bcher-kva.example/a.gif", "http://bücher.example/b.gif")]
    [DataRow("https://bücher.example/a.gif", "https://XN--BCHER-KVA.example/b.gif")]
    [DataRow("http://bücher.example:8080/a.gif", "http://xn--bcher-kva.example:8080/b.gif")]
    [DataRow("http://books.example/a.gif", "http://BOOKS.example/b.gif")]
    [DataRow("http://books.example/a.gif", "http://books.example:80/b.gif")]
    public async Task SendAsync_RedirectToTheSameHostSpeltOtherwise_KeepsCredentialsAndTheLoadsOwnHeaders(string from, string to)
    {
        var seen = await FollowAsync(from, to);

        Assert.AreEqual("auth=Bearer secret|cookie=session=1|x=t1", seen, $"{from} -> {to}");
    }

    [TestMethod]
    [DataRow("http://bücher.example/a.gif", "http://bucher.example/b.gif")]
    [DataRow("http://bücher.example/a.gif", "http://xn--bcher-kva.example./b.gif")]
    [DataRow("http://books.example/a.gif", "http://books.example./b.gif")]
    [DataRow("http://bücher.example/a.gif", "http://xn--bcher-kva.example:8080/b.gif")]
    [DataRow("http://bücher.example/a.gif", "https://xn--bcher-kva.example/b.gif")]
    [DataRow("http://books.example/a.gif", "http://books.example.org/b.gif")]
    [DataRow("http://books.example/a.gif", "http://127.0.0.1/b.gif")]
    public async Task SendAsync_RedirectToAnotherOrigin_DropsCredentialsAndTheLoadsOwnHeaders(string from, string to)
    {
        var seen = await FollowAsync(from, to);

        Assert.AreEqual("auth=|cookie=|x=", seen, $"{from} -> {to}");
    }

    // The headers the redirect target received.
    private async Task<string> FollowAsync(string from, string to)
    {
        var inner = new OneRedirect(new Uri(to));
        using var invoker = new HttpMessageInvoker(new RedirectHandler(5) { InnerHandler = inner });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(from));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret");
        request.Headers.Add("Cookie", "session=1");
        request.Headers.Add("X-Trace", "t1");
        request.Options.Set(ImageHttpTransfer.PerLoadHeaderNames, ["X-Trace"]);

        using var response = await invoker.SendAsync(request, TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        return inner.SeenByTarget ?? throw new AssertFailedException("the redirect was not followed");
    }

    private sealed class OneRedirect(Uri location) : HttpMessageHandler
    {
        private int _requests;

        public string? SeenByTarget { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _requests) == 1)
            {
                var redirect = new HttpResponseMessage(HttpStatusCode.Found) { RequestMessage = request };
                redirect.Headers.Location = location;
                return Task.FromResult(redirect);
            }

            var headers = request.Headers;
            SeenByTarget = $"auth={headers.Authorization}|cookie={Value(headers, "Cookie")}|x={Value(headers, "X-Trace")}";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });
        }

        private static string Value(HttpRequestHeaders headers, string name) =>
            headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";
    }
}
