using ImageKit.Caching.Internal;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>The blob folder swap of a clear (<see cref="BlobStore.DetachAll"/>) and its undo (<see cref="BlobStore.Reattach"/>).</summary>
[TestClass]
public sealed class BlobStoreTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// <see cref="BlobStore.DetachAll"/> moves the blob folder to a trash folder, then makes a new, empty blob folder. When
    /// making that folder failed (on a full disk a new folder needs a block it cannot get; here a file is in the way), it
    /// threw after the move: the clear never learnt the trash folder's name, its undo had nothing to put back, and every
    /// entry, whose row the failed clear left, lost its file.
    /// </summary>
    [TestMethod]
    public async Task DetachAll_WhoseNewBlobFolderCannotBeMade_GivesTheTrashFolderForReattachToPutBack()
    {
        using var folder = new TempFolder();
        var store = new BlobStore(folder.Path);
        store.EnsureDirectories();
        var hash = KeyHash.Of("k");
        store.MoveIntoPlace(await store.WriteTempAsync(Bytes(100, 1), flush: false, TestContext.CancellationToken), hash);

        var trash = store.DetachAll(afterMove: () => File.WriteAllBytes(store.BlobsDirectory, []));
        File.Delete(store.BlobsDirectory); // the disk has room again
        Assert.IsNotNull(trash, "the blob folder was moved: its files are in the trash folder");

        store.Reattach(trash);
        CollectionAssert.AreEqual(Bytes(100, 1), File.ReadAllBytes(store.PathOf(hash)));
        Assert.IsFalse(Directory.Exists(trash));
    }

    [TestMethod]
    public async Task DetachAll_ThenReattach_PutsTheFilesBack()
    {
        using var folder = new TempFolder();
        var store = new BlobStore(folder.Path);
        store.EnsureDirectories();
        var hash = KeyHash.Of("k");
        store.MoveIntoPlace(await store.WriteTempAsync(Bytes(100, 1), flush: false, TestContext.CancellationToken), hash);

        var trash = store.DetachAll();
        Assert.IsNotNull(trash);
        Assert.IsFalse(File.Exists(store.PathOf(hash)));
        Assert.IsTrue(Directory.Exists(store.BlobsDirectory), "an empty blob folder takes the old one's place");

        store.Reattach(trash);
        CollectionAssert.AreEqual(Bytes(100, 1), File.ReadAllBytes(store.PathOf(hash)));
        Assert.IsFalse(Directory.Exists(trash));
    }
}
