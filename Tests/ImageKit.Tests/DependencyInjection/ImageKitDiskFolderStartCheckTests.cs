using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.DependencyInjection;
using ImageKit.DependencyInjection.Internal;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ImageKit.Tests.DependencyInjection;

/// <summary>
/// The disk folder is checked when the host starts whether it was configured or left to the default (the README's
/// "checked on start"); with <see cref="DiskCacheSettings.OpenInBackground"/> an unusable folder leaves the cache
/// memory-only instead, as that setting documents, and only a malformed setting fails the start.
/// </summary>
[TestClass]
public sealed class ImageKitDiskFolderStartCheckTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Validate_DefaultFolderUnderAFile_FailsNamingTheDefaultFolder()
    {
        using var folder = new TempFolder();
        var unusable = UnderAFile(folder);

        var result = new ImageKitOptionsValidator(() => unusable).Validate(null, new ImageKitOptions());

        Assert.IsTrue(result.Failed);
        var failure = result.Failures!.Single();
        Assert.StartsWith("ImageKitOptions.DiskCache.Folder (unset: the default folder) is not writable: ", failure);
        Assert.EndsWith($"(was '{unusable}').", failure);
    }

    [TestMethod]
    public void Validate_DefaultFolderWritable_SucceedsAndLeavesNoProbe()
    {
        using var folder = new TempFolder();
        var cache = folder.Combine("default-cache");

        var result = new ImageKitOptionsValidator(() => cache).Validate(null, new ImageKitOptions());

        Assert.IsTrue(result.Succeeded, result.FailureMessage);
        Assert.IsTrue(Directory.Exists(cache));
        Assert.IsEmpty(Directory.GetFiles(cache));
    }

    [TestMethod]
    public void Validate_DefaultFolderUnusableButDiskCacheOff_Succeeds()
    {
        using var folder = new TempFolder();
        var options = new ImageKitOptions();
        options.DiskCache.Enabled = false;

        var result = new ImageKitOptionsValidator(() => UnderAFile(folder)).Validate(null, options);

        Assert.IsTrue(result.Succeeded, result.FailureMessage);
    }

    [TestMethod]
    public void Validate_DefaultFolderUnusableOpenedInBackground_Succeeds()
    {
        using var folder = new TempFolder();
        var options = new ImageKitOptions();
        options.DiskCache.OpenInBackground = true;

        var result = new ImageKitOptionsValidator(() => UnderAFile(folder)).Validate(null, options);

        Assert.IsTrue(result.Succeeded, result.FailureMessage);
    }

    [TestMethod]
    public async Task StartAsync_ConfiguredFolderUnusableOpenedInBackground_StartsAndTheCacheWorksFromMemory()
    {
        using var folder = new TempFolder();
        var unusable = UnderAFile(folder);
        using var host = BuildHost(o =>
        {
            o.DiskCache.Folder = unusable;
            o.DiskCache.OpenInBackground = true;
        });

        await host.StartAsync(TestContext.CancellationToken);
        var cache = host.Services.GetRequiredService<ImageCache>();
        using (var image = AnimatedImage.Decode(Corpus.Read("TestImage.gif")))
        {
            await cache.StoreAsync("k", image, Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        }

        Assert.IsNull(cache.Disk, "no disk tier");
        Assert.AreEqual(ImageCacheType.Memory, await cache.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
        Assert.IsFalse(Directory.Exists(unusable));
        await host.StopAsync(TestContext.CancellationToken);
    }

    [TestMethod]
    public async Task StartAsync_RelativeFolderOpenedInBackground_StillFails()
    {
        using var host = BuildHost(o =>
        {
            o.DiskCache.Folder = "relative/cache";
            o.DiskCache.OpenInBackground = true;
        });

        var e = await Assert.ThrowsExactlyAsync<OptionsValidationException>(() => host.StartAsync(TestContext.CancellationToken));

        Assert.AreEqual("ImageKitOptions.DiskCache.Folder must be an absolute path (was 'relative/cache').", e.Failures.Single());
    }

    private static string UnderAFile(TempFolder folder)
    {
        var file = folder.Combine("file");
        File.WriteAllText(file, "x");
        return Path.Combine(file, "cache");
    }

    private static IHost BuildHost(Action<ImageKitOptions> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddImageKit(configure);
        return builder.Build();
    }
}
