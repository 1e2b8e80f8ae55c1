using ImageKit.Cli;
using ImageKit.Cli.Input;
using ImageKit.Loading;
using ImageKit.Loading.Internal;

namespace ImageKit.Tests.Loading;

/// <summary>What an extra request header may be, in the SDK and on the CLI's <c>--header</c>.</summary>
[TestClass]
public sealed class RequestHeaderRulesTests
{
    private static readonly Uri s_url = new("https://example.com/a.gif");

    [TestMethod]
    [DataRow("Authorization", "Bearer abc.def")]
    [DataRow("X-Api-Key", "k")]
    [DataRow("Accept", "")]
    [DataRow("Accept-Language", "fr-CH, fr;q=0.9")]
    [DataRow("X-Tabbed", "a\tb")]
    [DataRow("x-lower_case.name~", "v")]
    public void Problem_OrdinaryHeader_IsNone(string name, string value) => Assert.IsNull(RequestHeaderRules.Problem(name, value));

    [TestMethod]
    [DataRow("X-A", "\u00e9", "printable ASCII")]
    [DataRow("X-A", "a\u007fb", "printable ASCII")]
    [DataRow("X-A", "a\rb", "printable ASCII")]
    [DataRow("X:A", "v", "is not a header name")]
    [DataRow("", "v", "is not a header name")]
    [DataRow("TE", "trailers", "the connection's own")]
    [DataRow("keep-alive", "timeout=5", "the connection's own")]
    [DataRow("If-Range", "\"v\"", "the downloader's own")]
    [DataRow("If-Match", "\"v\"", "the downloader's own")]
    public void Problem_HeaderThatMayNotBeSent_SaysWhy(string name, string value, string why) =>
        StringAssert.Contains(RequestHeaderRules.Problem(name, value), why);

    [TestMethod]
    public void Problem_NullValue_SaysSo() => StringAssert.Contains(RequestHeaderRules.Problem("X-A", null), "no value");

    [TestMethod]
    public void Problem_NameWithControlCharacters_IsShownEscaped()
    {
        var problem = RequestHeaderRules.Problem("X\nA\u0001", "v");

        Assert.IsNotNull(problem);
        StringAssert.Contains(problem, "X\\x0aA\\x01");
    }

    [TestMethod]
    public void Checked_CopiesTheHeadersWithNamesWithoutCase()
    {
        var given = new Dictionary<string, string> { ["X-A"] = "1" };

        var copy = RequestHeaderRules.Checked(s_url, given);
        given["X-A"] = "2";

        Assert.IsNotNull(copy);
        Assert.AreEqual("1", copy["x-a"]);
        Assert.IsNull(RequestHeaderRules.Checked(s_url, new Dictionary<string, string>()));
    }

    [TestMethod]
    public void Checked_RefusedHeader_ThrowsInvalidRequest()
    {
        var e = Assert.ThrowsExactly<ImageDownloadException>(() => RequestHeaderRules.Checked(s_url, new Dictionary<string, string> { ["Range"] = "bytes=0-1" }));

        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, e.Failure);
        Assert.AreEqual(s_url.ToString(), e.SourceName);
        Assert.AreEqual(0, e.Attempts);
    }

    /// <summary>An argument without its colon may be a secret ("Authorization Bearer …"): the message does not repeat it.</summary>
    [TestMethod]
    public void CliParse_ArgumentWithoutAColon_IsNotQuoted()
    {
        var e = Assert.ThrowsExactly<CliException>(() => RequestHeaders.Parse(["Authorization Bearer s3cr3t"]));

        Assert.DoesNotContain("s3cr3t", e.Message);
    }

    [TestMethod]
    public void CliParse_ValueWithNonAsciiLetter_IsAUsageError() =>
        Assert.ThrowsExactly<CliException>(() => RequestHeaders.Parse(["X-Name: Zoë"]));
}
