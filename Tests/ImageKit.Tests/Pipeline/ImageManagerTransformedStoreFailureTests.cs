using System.Drawing;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;
using Microsoft.Data.Sqlite;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A load that waits for its disk store (<see cref="ImageLoadOptions.WaitForDiskStore"/>) is done once its encoded bytes
/// are on disk. The transformed copy stored beside them is only a shortcut for later loads: its store failing (a full
/// disk) failed the whole load, although the image was obtained and its bytes stored, and left it out of the memory cache.
/// </summary>
[TestClass]
public sealed class ImageManagerTransformedStoreFailureTests
{
    private const string Png = "TestImage.png"; // 300 x 300

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_WaitForDiskStoreAndTheTransformedCopysStoreFails_ReturnsTheImageWithTheOriginalOnDisk()
    {
        using var folder = new TempFolder();
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image(Png);
        var failed = 0;
        await using var manager = new ImageManager(new ImageCacheOptions
        {
            Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
            Disk = new DiskImageCacheOptions
            {
                Directory = folder.Path,

                // The commit that would make a second entry (the transformed copy, after the original) fails as a full disk.
                BeforeIndexCommit = connection =>
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = "SELECT entries FROM totals WHERE id = 0";
                    if (command.ExecuteScalar() is long entries && entries >= 2)
                    {
                        Interlocked.Increment(ref failed);
                        throw new SqliteException("injected: database or disk is full", 13);
                    }
                },
            },
        });
        var options = new ImageLoadOptions
        {
            WaitForDiskStore = true,
            Transformers = [new ResizeTransformer(new Size(48, 48)), new CircleTransformer()],
        };

        using (var result = await manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, result.Source);
            Assert.AreEqual((48, 48), (result.Image.PixelWidth, result.Image.PixelHeight));
        }

        Assert.AreEqual(1, Volatile.Read(ref failed), "the transformed copy's store was tried, and failed");
        var disk = ((ImageCache)manager.Cache).Disk!;
        Assert.IsNotNull(await disk.GetAsync(url.AbsoluteUri, TestContext.CancellationToken), "the original's bytes are on disk");
        using var again = await manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Memory, again.Source, "and the image in memory, as the load returned it");
        Assert.AreEqual(1, server.ImageHits(Png));
    }
}
