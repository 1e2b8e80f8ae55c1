using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Loading;

[TestClass]
public sealed class FileImageLoaderTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadAsync_DeviceThatNeverEnds_FailsAtTheLimitInsteadOfExhaustingMemory()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("/dev/zero is a Unix device");
        }

        var loader = new FileImageLoader { MaxFileBytes = 1 << 20 };
        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(
            () => loader.LoadAsync(new ImageLoaderRequest(new Uri("file:///dev/zero")), cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual("the file has more than the 1,048,576 bytes allowed", error.Message);
    }

    [TestMethod]
    public async Task LoadAsync_Pipe_IsReadToItsEnd()
    {
        using var folder = new TempFolder();
        var fifo = Fifo.Create(folder.Path);
        var data = await File.ReadAllBytesAsync(Corpus.PathOf("TestImage.gif"), TestContext.CancellationToken);
        var writing = Fifo.WriteAsync(fifo, data);

        var response = await new FileImageLoader().LoadAsync(new ImageLoaderRequest(new Uri(fifo)), cancellationToken: TestContext.CancellationToken);
        await writing;
        CollectionAssert.AreEqual(data, response.Data.ToArray());
    }

    [TestMethod]
    public async Task LoadImageAsync_FileUrlWithANulCharacter_FailsWithImageLoadException()
    {
        using var folder = new TempFolder();
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } });
        var url = new Uri("file:///tmp/a%00b.gif");

        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual("not a valid file path: it contains a NUL character", error.Message);
    }

    /// <summary>
    /// RFC 8089: "localhost" as the host of a file: URL names the local machine, so file://localhost/path is the file
    /// file:///path names. .NET reads it as a UNC share (\\localhost\...), which on Linux and macOS is no file at all:
    /// the load failed with "file not found".
    /// </summary>
    [TestMethod]
    [DataRow("localhost")]
    [DataRow("LocalHost")]
    public async Task LoadImageAsync_FileUrlWithLocalhostAsItsHost_LoadsTheLocalFile(string host)
    {
        using var folder = new TempFolder();
        var path = folder.Combine("a b%c.gif");
        File.Copy(Corpus.PathOf("TestImage.gif"), path);
        var url = new Uri($"file://{host}{new Uri(path).AbsolutePath}");
        await using var manager = new ImageManager();

        using var result = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Network, result.Source);
        CollectionAssert.AreEqual(await File.ReadAllBytesAsync(path, TestContext.CancellationToken), result.Image.EncodedData.ToArray());
    }

    /// <summary>
    /// Outside Windows a file: URL of another host names no file here; it was read as a file name with backslashes
    /// relative to the working folder, and failed as "file not found" (or read such a file).
    /// </summary>
    [TestMethod]
    public async Task LoadAsync_FileUrlOfAnotherHostOutsideWindows_FailsSayingOnlyLocalFilesLoad()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("a file: URL with a host is a network share on Windows");
        }

        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(
            () => new FileImageLoader().LoadAsync(new ImageLoaderRequest(new Uri("file://server/share/a.gif")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual("names the host 'server': only local files (file:///path or file://localhost/path) can be loaded here", error.Message);
    }

    [TestMethod]
    public async Task LoadAsync_RelativeUrl_FailsWithImageLoadException()
    {
        // An InvalidOperationException from Uri.LocalPath before.
        await Assert.ThrowsExactlyAsync<ImageLoadException>(
            () => new FileImageLoader().LoadAsync(new ImageLoaderRequest(new Uri("images/a.gif", UriKind.Relative)), cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(-1L)]
    [DataRow(long.MinValue)]
    public void MaxFileBytes_NotPositive_IsRefusedAsDecodingLimitsAndDataUrlImageLoaderRefuseIt(long value)
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FileImageLoader { MaxFileBytes = value });
        StringAssert.Contains(error.Message, "MaxFileBytes must be positive.");
        Assert.AreEqual(value, error.ActualValue);
    }
}
