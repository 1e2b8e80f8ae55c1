using ImageKit.Caching;
using ImageKit.DependencyInjection;
using ImageKit.Display;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.DependencyInjection;

[TestClass]
public sealed class ImageKitServiceCollectionExtensionsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AddImageKit_Resolve_RegistersEveryServiceOnce()
    {
        using var folder = new TempFolder();
        await using var services = new ServiceCollection()
            .AddImageKit(o => o.DiskCache.Folder = folder.Combine("cache"))
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var manager = services.GetRequiredService<ImageManager>();
        var cache = services.GetRequiredService<IImageCache>();
        Assert.AreSame(manager, services.GetRequiredService<ImageManager>());
        Assert.AreSame(cache, manager.Cache);
        Assert.AreSame(cache, services.GetRequiredService<ImageCache>());
        Assert.AreSame(services.GetRequiredService<ImageDownloader>(), manager.Downloader);
        Assert.IsNotNull(services.GetRequiredService<ImagePrefetcher>());
        Assert.AreSame(DisplayLinkProvider.System, services.GetRequiredService<DisplayLinkProvider>());
        var imageCache = (ImageCache)cache;
        Assert.IsNotNull(imageCache.Disk);
        Assert.AreEqual(Path.GetFullPath(folder.Combine("cache")), Path.GetFullPath(imageCache.Disk.Directory));
    }

    [TestMethod]
    public async Task AddImageKit_NamedHttpClient_AsksForHttp2OrLowerWithoutAnOverallTimeout()
    {
        await using var services = new ServiceCollection().AddImageKit(o => o.DiskCache.Enabled = false).BuildServiceProvider();

        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(ImageKitDefaults.HttpClientName);

        Assert.AreEqual(System.Net.HttpVersion.Version20, client.DefaultRequestVersion);
        Assert.AreEqual(HttpVersionPolicy.RequestVersionOrLower, client.DefaultVersionPolicy);
        Assert.AreEqual(Timeout.InfiniteTimeSpan, client.Timeout);
    }

    [TestMethod]
    public async Task AddImageKit_CalledTwice_RegistersOnceAndAppliesBothConfigurations()
    {
        var collection = new ServiceCollection()
            .AddImageKit(o => o.Downloader.MaxConcurrentDownloads = 2)
            .AddImageKit(o => o.DiskCache.Enabled = false);
        await using var services = collection.BuildServiceProvider();

        Assert.AreEqual(1, collection.Count(d => d.ServiceType == typeof(ImageManager)));
        Assert.AreEqual(2, services.GetRequiredService<ImageDownloader>().Options.MaxConcurrentDownloads);
        Assert.IsNull(services.GetRequiredService<ImageCache>().Disk);
    }

    [TestMethod]
    public async Task AddImageKit_Configuration_BindsEverySection()
    {
        using var folder = new TempFolder();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImageKit:Downloader:MaxConcurrentDownloads"] = "4",
            ["ImageKit:Downloader:AttemptTimeout"] = "00:00:05",
            ["ImageKit:Downloader:ExecutionOrder"] = "Lifo",
            ["ImageKit:Downloader:Retry:MaxRetries"] = "1",
            ["ImageKit:Downloader:CircuitBreaker:Enabled"] = "false",
            ["ImageKit:Downloader:MaxHttpVersion"] = "1.1",
            ["ImageKit:Downloader:MaxResumableBytes"] = "0",
            ["ImageKit:MemoryCache:MaxBytes"] = "1048576",
            ["ImageKit:MemoryCache:MaxCount"] = "7",
            ["ImageKit:DiskCache:Folder"] = folder.Combine("disk"),
            ["ImageKit:DiskCache:MaxSizeBytes"] = "5000000",
            ["ImageKit:DiskCache:MaxInlineBytes"] = "4096",
            ["ImageKit:DiskCache:MaxAge"] = "2.00:00:00",
            ["ImageKit:FailedUrlRetention"] = "00:01:00",
            ["ImageKit:MaxConcurrentPrefetches"] = "9",
        }).Build();
        await using var services = new ServiceCollection()
            .AddImageKit(configuration.GetSection(ImageKitDefaults.ConfigurationSectionName))
            .BuildServiceProvider();

        var downloader = services.GetRequiredService<ImageDownloader>().Options;
        Assert.AreEqual(4, downloader.MaxConcurrentDownloads);
        Assert.AreEqual(TimeSpan.FromSeconds(5), downloader.AttemptTimeout);
        Assert.AreEqual(DownloadExecutionOrder.Lifo, downloader.ExecutionOrder);
        Assert.AreEqual(1, downloader.Retry.MaxRetries);
        Assert.IsFalse(downloader.CircuitBreaker.Enabled);
        Assert.AreEqual(System.Net.HttpVersion.Version11, downloader.MaxHttpVersion);
        Assert.AreEqual(0, downloader.MaxResumableBytes);
        using (var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(ImageKitDefaults.HttpClientName))
        {
            Assert.AreEqual(System.Net.HttpVersion.Version11, client.DefaultRequestVersion, "the named client asks for what the settings say");
        }

        var cache = services.GetRequiredService<ImageCache>();
        Assert.AreEqual(1048576, cache.Memory.Options.MaxCost);
        Assert.AreEqual(7, cache.Memory.Options.MaxCount);
        Assert.IsNotNull(cache.Disk);
        Assert.AreEqual(5000000, cache.Disk.Options.MaxSizeBytes);
        Assert.AreEqual(4096, cache.Disk.Options.MaxInlineBytes);
        Assert.AreEqual(TimeSpan.FromDays(2), cache.Disk.Options.MaxAge);
        Assert.AreEqual(9, services.GetRequiredService<ImagePrefetcher>().MaxConcurrentPrefetches);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task AddImageKit_DiskFolderThatCannotBeUsed_ThrowsOnResolveUnlessItOpensInBackground(bool openInBackground)
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.Combine("notes.txt"), "not a cache", TestContext.CancellationToken);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImageKit:DiskCache:Folder"] = folder.Path,
            ["ImageKit:DiskCache:OpenInBackground"] = openInBackground ? "true" : "false",
        }).Build();
        await using var services = new ServiceCollection()
            .AddImageKit(configuration.GetSection(ImageKitDefaults.ConfigurationSectionName))
            .BuildServiceProvider();

        if (!openInBackground)
        {
            Assert.ThrowsExactly<DiskCacheException>(() => services.GetRequiredService<ImageCache>());
            return;
        }

        var cache = services.GetRequiredService<ImageCache>();
        Assert.IsNull(cache.Disk, "memory only");
        CollectionAssert.AreEqual(new[] { folder.Combine("notes.txt") }, Directory.GetFileSystemEntries(folder.Path));
    }

    [TestMethod]
    public async Task AddImageKit_NamedClientHandler_SeesTheDownloadsOfALoad()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var handler = new CountingHandler();
        var collection = new ServiceCollection().AddImageKit(o => o.DiskCache.Enabled = false);
        collection.AddHttpClient(ImageKitDefaults.HttpClientName).AddHttpMessageHandler(() => handler);
        await using var services = collection.BuildServiceProvider();

        using var result = await services.GetRequiredService<ImageManager>().LoadImageAsync(server.Image("TestImage.gif"), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Network, result.Source);
        Assert.AreEqual(1, handler.Requests);
    }

    [TestMethod]
    public async Task AddImageKit_RegisteredTimeProvider_DrivesFailedUrlRetention()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var time = new FakeTimeProvider();
        var collection = new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .AddImageKit(o =>
            {
                o.DiskCache.Enabled = false;
                o.FailedUrlRetention = TimeSpan.FromMinutes(1);
            });
        await using var services = collection.BuildServiceProvider();
        var manager = services.GetRequiredService<ImageManager>();
        var missing = server.Url("/missing");

        await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(missing, cancellationToken: TestContext.CancellationToken));
        await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(missing, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(1, server.Hits("/missing"), "the second load fails fast");

        time.Advance(TimeSpan.FromMinutes(2));
        await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(missing, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(2, server.Hits("/missing"), "after the retention the URL is tried again");
    }

    [TestMethod]
    public async Task AddImageKit_SettingsChangedAfterResolve_DoNotReachTheDownloader()
    {
        var handler = new UnavailableHandler();
        var collection = new ServiceCollection().AddImageKit(o =>
        {
            o.DiskCache.Enabled = false;
            o.WarmUp = false;
            o.Downloader.Retry.MaxRetries = 0;
            o.Downloader.Retry.BaseDelay = TimeSpan.Zero;
            o.Downloader.CircuitBreaker.Enabled = false;
        });
        collection.AddHttpClient(ImageKitDefaults.HttpClientName).AddHttpMessageHandler(() => handler);
        await using var services = collection.BuildServiceProvider();
        var manager = services.GetRequiredService<ImageManager>();

        // "Read once, when the services are first resolved": a later change, never validated, must not take effect.
        var settings = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ImageKitOptions>>().Value.Downloader;
        settings.Retry.MaxRetries = 3;
        settings.CircuitBreaker.Enabled = true;

        await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(new Uri("http://imagekit.test/a.png"), cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(1, handler.Requests, "no retries: the downloader runs on the settings it was created with");
        Assert.AreEqual(0, manager.Downloader.Options.Retry.MaxRetries);
        Assert.IsFalse(manager.Downloader.Options.CircuitBreaker.Enabled);
    }

    private sealed class UnavailableHandler : DelegatingHandler
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable) { RequestMessage = request });
        }
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
