using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>Cache options and parts the types allow but that make no sense: refused where they are given.</summary>
[TestClass]
public sealed class CacheOptionsHostileArgumentTests
{
    [TestMethod]
    public void DiskImageCache_UndefinedExpiryBasis_IsRefusedAtConstruction()
    {
        // Silently treated as LastAccess before, while the options validator of AddImageKit refused it.
        using var folder = new TempFolder();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path, ExpiryBasis = (DiskCacheExpiryBasis)7 }).Dispose());
        Assert.AreEqual("ExpiryBasis", e.ParamName);
    }

    [TestMethod]
    public async Task ImageCacheChain_NullCache_IsRefusedAtConstruction()
    {
        // A NullReferenceException at the first query before.
        await using var memory = new ImageCache(new ImageCacheOptions());
        var e = Assert.ThrowsExactly<ArgumentException>(() => new ImageCacheChain([memory, null!]));
        Assert.AreEqual("caches", e.ParamName);
    }
    [TestMethod]
    [DataRow(-1)]
    [DataRow(4)]
    [DataRow(42)]
    public async Task ImageCacheChain_UndefinedPolicy_IsRefusedWhereItIsSet(int value)
    {
        // Silently accepted before: an undefined query policy queried every cache in turn and an undefined store policy
        // stored to every cache, as if one of the defined policies had been asked for.
        await using var memory = new ImageCache(new ImageCacheOptions());
        var query = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageCacheChain([memory]) { QueryPolicy = (ImageCacheChainPolicy)value });
        Assert.AreEqual("QueryPolicy", query.ParamName);
        var store = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageCacheChain([memory]) { StorePolicy = (ImageCacheChainPolicy)value });
        Assert.AreEqual("StorePolicy", store.ParamName);
    }
}
