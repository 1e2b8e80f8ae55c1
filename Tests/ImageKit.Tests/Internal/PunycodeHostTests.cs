using ImageKit.Internal;

namespace ImageKit.Tests.Internal;

/// <summary>Keys name a Unicode host by its punycode; every other part of the URL, and every ASCII URL, is left as it is.</summary>
[TestClass]
public sealed class PunycodeHostTests
{
    [TestMethod]
    [DataRow("http://bücher.example/a.png", "http://xn--bcher-kva.example/a.png")]
    [DataRow("http://BÜCHER.example:8080/ä b.png?q=ü#f", "http://xn--bcher-kva.example:8080/%C3%A4%20b.png?q=%C3%BC#f")]
    [DataRow("http://bücher。example/a", "http://xn--bcher-kva.example/a")]
    [DataRow("https://bü:pw@bücher.example/a#ü", "https://b%C3%BC:pw@xn--bcher-kva.example/a#%C3%BC")]
    [DataRow("http://xn--bcher-kva.example/a.png", "http://xn--bcher-kva.example/a.png")]
    [DataRow("http://User@Books.Example:81/Test%49mage.gif?a=%C3%BC#frag", "http://User@books.example:81/TestImage.gif?a=%C3%BC#frag")]
    [DataRow("http://[::1]:8/a", "http://[::1]:8/a")]
    [DataRow("http://127.0.0.1/ü", "http://127.0.0.1/%C3%BC")]
    public void In_AbsoluteUri_WritesOnlyAUnicodeHostAsPunycode(string given, string expected)
    {
        var url = new Uri(given);

        Assert.AreEqual(expected, PunycodeHost.In(url, url.AbsoluteUri));
    }

    [TestMethod]
    public void In_AsciiUrl_ReturnsTheSameString()
    {
        var url = new Uri("http://Example.com/a%20b.gif");
        var text = url.AbsoluteUri;

        Assert.AreSame(text, PunycodeHost.In(url, text));
    }

    [TestMethod]
    public void In_HttpRequestUrl_WritesTheHostAsPunycode()
    {
        var url = new Uri("http://user:pw@bücher.example:8080/a@b.png?x#f");

        Assert.AreEqual("http://xn--bcher-kva.example:8080/a@b.png?x", PunycodeHost.In(url, url.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped)));
    }
}
