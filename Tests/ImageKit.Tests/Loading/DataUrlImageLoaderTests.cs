using System.Text;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Loading;

[TestClass]
public sealed class DataUrlImageLoaderTests
{
    private const string Animation = "animated-red-blue.gif";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_Base64DataUrl_DecodesItsBytesAndCachesItInMemoryOnly()
    {
        using var folder = new TempFolder();
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } });
        var url = new Uri("data:image/gif;base64," + Convert.ToBase64String(Corpus.Read(Animation)));

        using (var first = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, first.Source);
            Assert.AreEqual(Corpus.Get(Animation).FrameCount, first.Image.FrameCount);
        }

        using (var second = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Memory, second.Source);
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(0, (await ((ImageCache)manager.Cache).Disk!.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount, "the URL carries its bytes: nothing to keep on disk");
    }

    [TestMethod]
    public async Task LoadAsync_PercentEncodedData_GivesTheSameBytes()
    {
        var bytes = Corpus.Read(Animation);
        var encoded = new StringBuilder("data:image/gif,");
        foreach (var b in bytes)
        {
            encoded.Append(char.IsAsciiLetterOrDigit((char)b) ? ((char)b).ToString() : $"%{b:X2}");
        }

        var response = await Load(encoded.ToString());

        CollectionAssert.AreEqual(bytes, response.Data.ToArray());
        Assert.IsFalse(response.StoreOnDisk);
    }

    [TestMethod]
    public async Task LoadAsync_Base64WithLineBreaksAndEscapedCharacters_GivesTheSameBytes()
    {
        var bytes = Corpus.Read(Animation);
        var base64 = Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks).Replace("+", "%2B", StringComparison.Ordinal).Replace("/", "%2f", StringComparison.Ordinal);

        var response = await Load("DATA:image/gif;BASE64," + base64);

        CollectionAssert.AreEqual(bytes, response.Data.ToArray());
    }

    [TestMethod]
    [DataRow("data:image/gif;base64", "not a valid data: URL: there is no comma between the media type and the data")]
    [DataRow("data:image/gif;base64,R0lGOD!!", "not a valid data: URL: its data is marked base64 but is not valid base64")]
    [DataRow("data:image/gif,GIF%4", "not a valid data: URL: '%' at data offset 3 is not followed by two hex digits")]
    [DataRow("data:image/gif,GIF\u20AC", "not a valid data: URL: the character U+20AC at data offset 3 is not ASCII (percent-encode binary data)")]
    public async Task LoadAsync_MalformedDataUrl_FailsWithAClearImageLoadException(string url, string reason)
    {
        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => Load(url));

        Assert.AreEqual(reason, error.Message);
    }

    // A fragment is no part of a URL's resource: browsers drop it from a data: URL (the Fetch standard's data URL
    // processor). It made base64 data invalid, and was appended to percent-encoded data as if it were image bytes.
    [TestMethod]
    public async Task LoadAsync_DataUrlWithAFragment_GivesTheDataWithoutTheFragment()
    {
        var bytes = Corpus.Read(Animation);
        var percentEncoded = string.Concat(bytes.Select(b => $"%{b:X2}"));

        var base64 = await Load("data:image/gif;base64," + Convert.ToBase64String(bytes) + "#frame=2");
        var plain = await Load("data:image/gif," + percentEncoded + "#top");

        CollectionAssert.AreEqual(bytes, base64.Data.ToArray());
        CollectionAssert.AreEqual(bytes, plain.Data.ToArray());
        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => Load("data:image/gif#x,R0lGOD"));
        Assert.AreEqual("not a valid data: URL: there is no comma between the media type and the data", error.Message);
    }

    [TestMethod]
    public async Task LoadAsync_MoreThanMaxBytes_IsRefusedBeforeDecoding()
    {
        var loader = new DataUrlImageLoader { MaxBytes = 1000 };
        var url = new Uri("data:image/gif;base64," + Convert.ToBase64String(new byte[1003]));

        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(
            () => loader.LoadAsync(new ImageLoaderRequest(url), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual("the data: URL carries more than the 1,000 bytes allowed", error.Message);
    }

    [TestMethod]
    public async Task LoadImageAsync_LongDataUrlThatIsNoImage_NamesItByItsStartAndLength()
    {
        await using var manager = new ImageManager();
        var url = new Uri("data:application/octet-stream;base64," + Convert.ToBase64String(new byte[300_000]));

        var error = await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        Assert.IsInstanceOfType<ImageDecodingException>(error);
        Assert.AreEqual("data:application/octet-stream;base64,AAAAAAAAAAA… (400,037 characters)", error.SourceName);
    }

    /// <summary>
    /// A raw non-ASCII character would read as one byte while the cache key escapes it as UTF-8, so two URLs with
    /// different bytes would share one cache entry: refused, and its escaped form loads as its own image.
    /// </summary>
    [TestMethod]
    public async Task LoadImageAsync_RawNonAsciiCharacter_IsRefusedAndItsEscapedFormLoadsItsOwnBytes()
    {
        await using var manager = new ImageManager();
        var bytes = Corpus.Read("animated-red-blue.gif");
        var encoded = "data:image/gif," + string.Concat(bytes.Select(static b => $"%{b:X2}"));

        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(new Uri(encoded + "\u00E9"), cancellationToken: TestContext.CancellationToken));
        using var escaped = await manager.LoadImageAsync(new Uri(encoded + "%C3%A9"), cancellationToken: TestContext.CancellationToken);

        StringAssert.Contains(error.Message, "U+00E9");
        StringAssert.Contains(error.Message, "not ASCII");
        Assert.AreEqual(ImageLoadSource.Network, escaped.Source);
        Assert.AreEqual(bytes.Length + 2, escaped.Image.EncodedData.Length);
    }

    /// <summary>
    /// Base64 of exactly MaxBytes bytes ends in '=' padding when MaxBytes is not a multiple of 3: the padding carries no
    /// byte, so the URL is within the limit and loads (it was refused as "more than MaxBytes" before decoding).
    /// </summary>
    [TestMethod]
    [DataRow(1000, "")]
    [DataRow(1001, "")]
    [DataRow(4, "")]
    [DataRow(1000, "%3D")]
    public async Task LoadAsync_Base64OfExactlyMaxBytesEndingInPadding_Loads(int maxBytes, string escapedPadding)
    {
        var bytes = Enumerable.Range(0, maxBytes).Select(static i => (byte)i).ToArray();
        var base64 = Convert.ToBase64String(bytes);
        if (escapedPadding.Length > 0)
        {
            base64 = base64.Replace("=", escapedPadding, StringComparison.Ordinal);
        }

        var loader = new DataUrlImageLoader { MaxBytes = maxBytes };
        var response = await loader.LoadAsync(new ImageLoaderRequest(new Uri("data:application/octet-stream;base64," + base64)), cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(bytes, response.Data.ToArray());
    }

    /// <summary>
    /// Base64 wrapped into lines whose breaks are percent-encoded (%0D%0A, as a URL-encoded MIME body has them) carries
    /// no more bytes for its breaks: the size check before decoding counted each escaped break as data and refused a URL
    /// within the limit.
    /// </summary>
    [TestMethod]
    public async Task LoadAsync_Base64WithEscapedLineBreaksWithinMaxBytes_Loads()
    {
        var bytes = Enumerable.Range(0, 3000).Select(static i => (byte)(i * 7)).ToArray();
        var base64 = Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "%0D%0A", StringComparison.Ordinal);
        var loader = new DataUrlImageLoader { MaxBytes = bytes.Length };

        var response = await loader.LoadAsync(new ImageLoaderRequest(new Uri("data:application/octet-stream;base64," + base64 + "%20%09")), cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(bytes, response.Data.ToArray());
    }

    /// <summary>Plain (not percent-encoded) data over MaxBytes is refused before decoding, by its exact length.</summary>
    [TestMethod]
    public async Task LoadAsync_PlainPayloadOverMaxBytes_IsRefusedBeforeDecoding()
    {
        var loader = new DataUrlImageLoader { MaxBytes = 1000 };
        var url = new Uri("data:application/octet-stream," + new string('A', 3000) + "\u20AC");

        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => loader.LoadAsync(new ImageLoaderRequest(url), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual("the data: URL carries more than the 1,000 bytes allowed", error.Message);
    }

    private Task<ImageLoaderResponse> Load(string url) =>
        new DataUrlImageLoader().LoadAsync(new ImageLoaderRequest(new Uri(url)), cancellationToken: TestContext.CancellationToken);
}
