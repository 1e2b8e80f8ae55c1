using ImageKit.Cli.Input;

namespace ImageKit.Tests.Cli;

/// <summary><c>--header</c>/<c>-H</c> arguments given twice for one name, as curl users repeat them.</summary>
[TestClass]
public sealed class RequestHeadersTests
{
    [TestMethod]
    public void Parse_ListHeaderTwice_JoinsTheValuesWithComma()
    {
        var headers = RequestHeaders.Parse(["Accept-Language: en", "accept-language: fr"]);

        Assert.IsNotNull(headers);
        Assert.AreEqual("en, fr", headers["Accept-Language"]);
    }

    // RFC 6265 5.4: one Cookie header, its cookies separated by "; ". Joined with ", ", the server read one cookie "a"
    // whose value was "1, b=2", and no cookie "b".
    [TestMethod]
    public void Parse_CookieTwice_JoinsTheCookiesWithSemicolon()
    {
        var headers = RequestHeaders.Parse(["Cookie: a=1", "cookie: b=2"]);

        Assert.IsNotNull(headers);
        Assert.AreEqual("a=1; b=2", headers["Cookie"]);
    }
}
