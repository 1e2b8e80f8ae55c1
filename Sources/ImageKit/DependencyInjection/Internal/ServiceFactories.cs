using System.Diagnostics.Metrics;
using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Loading.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImageKit.DependencyInjection.Internal;

/// <summary>Builds ImageKit's services from <see cref="ImageKitOptions"/> and what the container offers.</summary>
internal static class ServiceFactories
{
    public static HttpMessageHandler CreateHandler(DownloaderSettings settings) =>
        DownloaderHttp.CreateHandler(settings.MaxRedirects, settings.AutomaticDecompression, allowInvalidCertificates: false);

    public static void ConfigureClient(IServiceProvider services, HttpClient client) => DownloaderHttp.ConfigureClient(client, Options(services).Downloader.MaxHttpVersion);

    public static ImageDownloader CreateDownloader(IServiceProvider services)
    {
        var settings = Options(services).Downloader;
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(ImageKitDefaults.HttpClientName);
        return ImageDownloader.OverConfiguredClient(client, new ImageDownloaderOptions
        {
            MaxConcurrentDownloads = settings.MaxConcurrentDownloads,
            ExecutionOrder = settings.ExecutionOrder,
            AttemptTimeout = settings.AttemptTimeout,
            MaxResponseBytes = settings.MaxResponseBytes,
            MaxResumableBytes = settings.MaxResumableBytes,
            MaxRedirects = settings.MaxRedirects,
            AutomaticDecompression = settings.AutomaticDecompression,
            MaxHttpVersion = settings.MaxHttpVersion,
            RequireImageContent = settings.RequireImageContent,
            Retry = settings.Retry.Copy(),
            CircuitBreaker = settings.CircuitBreaker.Copy(),
            TimeProvider = TimeProviderOf(services),
            LoggerFactory = services.GetService<ILoggerFactory>(),
            MeterFactory = services.GetService<IMeterFactory>(),
        });
    }

    public static ImageCache CreateCache(IServiceProvider services)
    {
        var options = Options(services);
        var memory = MemoryImageCacheOptions.Default;
        memory = memory with
        {
            MaxCost = options.MemoryCache.MaxBytes ?? memory.MaxCost,
            MaxCount = options.MemoryCache.MaxCount,
            UseWeakCache = options.MemoryCache.UseWeakCache,
            TrimOnMemoryPressure = options.MemoryCache.TrimOnMemoryPressure,
        };
        var disk = options.DiskCache;
        return new ImageCache(new ImageCacheOptions
        {
            Memory = memory,
            Disk = disk.Enabled
                ? new DiskImageCacheOptions
                {
                    Directory = disk.Folder ?? DiskImageCache.DefaultDirectory,
                    MaxSizeBytes = disk.MaxSizeBytes,
                    MaxInlineBytes = disk.MaxInlineBytes,
                    MaxAge = disk.MaxAge,
                    ExpiryBasis = disk.ExpiryBasis,
                    TimeProvider = TimeProviderOf(services),
                }
                : null,
            OpenDiskInBackground = disk.OpenInBackground,
            LoggerFactory = services.GetService<ILoggerFactory>(),
            MeterFactory = services.GetService<IMeterFactory>(),
        });
    }

    public static ImageManager CreateManager(IServiceProvider services)
    {
        var manager = new ImageManager(
            services.GetRequiredService<IImageCache>(),
            services.GetRequiredService<ImageDownloader>(),
            new ImageManagerOptions
            {
                FailedUrlRetention = Options(services).FailedUrlRetention,
                TimeProvider = TimeProviderOf(services),
                LoggerFactory = services.GetService<ILoggerFactory>(),
                MeterFactory = services.GetService<IMeterFactory>(),
            });
        if (Options(services).WarmUp)
        {
            _ = manager.WarmUpAsync(); // never faults; the container's disposal of the manager stops it
        }

        return manager;
    }

    public static ImagePrefetcher CreatePrefetcher(IServiceProvider services) =>
        new(services.GetRequiredService<ImageManager>()) { MaxConcurrentPrefetches = Options(services).MaxConcurrentPrefetches };

    private static ImageKitOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<ImageKitOptions>>().Value;

    private static TimeProvider TimeProviderOf(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;
}
