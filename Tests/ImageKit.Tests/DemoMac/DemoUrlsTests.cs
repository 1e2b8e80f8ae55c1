using Demo.Mac.Portable;

namespace ImageKit.Tests.DemoMac;

[TestClass]
public sealed class DemoUrlsTests
{
    [TestMethod]
    public void Parse_UrlsSeparatedBySpacesCommasAndLines_KeepsOrderAndDuplicates()
    {
        var list = DemoUrls.Parse(" https://a.example/1.gif,http://b.example/2.webp\n\tfile:///tmp/3.apng  https://a.example/1.gif ");

        CollectionAssert.AreEqual(
            new[] { "https://a.example/1.gif", "http://b.example/2.webp", "file:///tmp/3.apng", "https://a.example/1.gif" },
            list.Urls.Select(u => u.AbsoluteUri).ToArray());
        Assert.IsEmpty(list.Rejected);
        Assert.IsFalse(list.IsEmpty);
    }

    [TestMethod]
    public void Parse_RelativeOrUnsupportedWords_AreRejectedAndTheRestKept()
    {
        var list = DemoUrls.Parse("cat.gif ftp://x.example/a.gif https://ok.example/a.gif mailto:someone@example.com");

        CollectionAssert.AreEqual(new[] { "https://ok.example/a.gif" }, list.Urls.Select(u => u.AbsoluteUri).ToArray());
        CollectionAssert.AreEqual(new[] { "cat.gif", "ftp://x.example/a.gif", "mailto:someone@example.com" }, list.Rejected.ToArray());
    }

    [TestMethod]
    public void Parse_DataUrlsBesideOthers_KeepTheirCommasAndSplitFromTheRest()
    {
        const string png = "data:image/png;base64,iVBORw0KGgo=";
        const string text = "data:text/plain,a,b";
        var list = DemoUrls.Parse($"https://a.example/1.gif,{png} {text}\nhttps://b.example/2.gif");

        CollectionAssert.AreEqual(
            new[] { "https://a.example/1.gif", png, text, "https://b.example/2.gif" },
            list.Urls.Select(u => u.OriginalString).ToArray());
        Assert.IsEmpty(list.Rejected);
    }

    [TestMethod]
    public void Parse_DataWordWithoutComma_IsRejectedWhole()
    {
        var list = DemoUrls.Parse("data:image/png;base64 https://ok.example/a.gif");

        CollectionAssert.AreEqual(new[] { "https://ok.example/a.gif" }, list.Urls.Select(u => u.AbsoluteUri).ToArray());
        CollectionAssert.AreEqual(new[] { "data:image/png;base64" }, list.Rejected.ToArray());
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow(" \n , ")]
    public void Parse_Nothing_IsEmpty(string? text)
    {
        var list = DemoUrls.Parse(text);

        Assert.IsTrue(list.IsEmpty);
        Assert.IsEmpty(list.Urls);
    }

    [TestMethod]
    public void Label_ShortText_IsAsTyped() => Assert.AreEqual("https://a.example/1.gif", DemoUrls.Label("https://a.example/1.gif"));

    [TestMethod]
    public void Label_LongDataUrl_IsItsStartAndLength()
    {
        var url = "data:image/png;base64," + new string('A', 5_000_000);

        Assert.AreEqual($"{url[..48]}… ({url.Length:N0} characters)", DemoUrls.Label(url));
    }

    [TestMethod]
    public void FillCells_FewerUrlsThanCells_RepeatsThemInOrder()
    {
        var a = new Uri("https://a.example/a.gif");
        var b = new Uri("https://a.example/b.gif");

        var cells = DemoUrls.FillCells([a, b], 5);

        CollectionAssert.AreEqual(new[] { a, b, a, b, a }, cells.ToArray());
    }

    [TestMethod]
    public void FillCells_MoreUrlsThanCells_KeepsTheFirst()
    {
        var urls = Enumerable.Range(0, 6).Select(i => new Uri($"https://a.example/{i}.gif")).ToArray();

        CollectionAssert.AreEqual(urls[..4], DemoUrls.FillCells(urls, 4).ToArray());
    }

    [TestMethod]
    public void FillCells_NoUrls_NoCells() => Assert.IsEmpty(DemoUrls.FillCells([], 12));
}
