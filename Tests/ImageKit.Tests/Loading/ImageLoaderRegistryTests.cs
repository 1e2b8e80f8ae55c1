using ImageKit.Loading;

namespace ImageKit.Tests.Loading;

/// <summary>The list of loaders: a null loader is refused where it is given, not met later by every load.</summary>
[TestClass]
public sealed class ImageLoaderRegistryTests
{
    [TestMethod]
    public void Constructor_NullLoaderInTheList_IsRefused()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ImageLoaderRegistry([new FileImageLoader(), null!]));

        Assert.AreEqual("loaders", ex.ParamName);
    }

    [TestMethod]
    public void Find_AfterInsert_AsksTheInsertedLoaderFirst()
    {
        var registry = new ImageLoaderRegistry([new DataUrlImageLoader()]);
        var file = new FileImageLoader();

        registry.Insert(0, file);

        Assert.AreSame(file, registry.Loaders[0]);
        Assert.AreSame(file, registry.Find(new Uri("file:///tmp/a.gif")));
        Assert.IsNull(registry.Find(new Uri("https://example.com/a.gif")));
    }
}
