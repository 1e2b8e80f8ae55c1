using System.Diagnostics.Metrics;
using ImageKit.Caching;
using ImageKit.DependencyInjection;
using ImageKit.DependencyInjection.Internal;
using ImageKit.Display;
using ImageKit.Loading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// AddImageKit sits in the root namespace so that "using ImageKit;" is all an application needs.
#pragma warning disable IDE0130
namespace ImageKit;
#pragma warning restore IDE0130

/// <summary>Registers ImageKit's services in an <see cref="IServiceCollection"/>.</summary>
public static class ImageKitServiceCollectionExtensions
{
    /// <summary>
    /// Registers, as singletons: <see cref="ImageManager"/>, <see cref="IImageCache"/> and <see cref="ImageCache"/> (memory
    /// plus, unless disabled, disk), <see cref="ImageDownloader"/> (over the <see cref="IHttpClientFactory"/> client named
    /// <see cref="ImageKitDefaults.HttpClientName"/>), <see cref="ImagePrefetcher"/> and <see cref="DisplayLinkProvider"/>
    /// (<see cref="DisplayLinkProvider.System"/> unless one is registered already). <see cref="ImageKitOptions"/> are
    /// validated when the host starts. Services log through <see cref="ILoggerFactory"/> and measure through
    /// <see cref="IMeterFactory"/> when the container has them, and use a registered <see cref="TimeProvider"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes to the settings; <see langword="null"/> keeps the defaults (or configuration bound elsewhere).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <remarks>
    /// Calling it more than once registers the services once; every <paramref name="configure"/> applies, in order. An
    /// <see cref="ImageCache"/> instance registered before it is used (also as <see cref="IImageCache"/>) and stays the
    /// application's: the container does not dispose it. One registered after it is reached through a factory, and the
    /// container disposes what factories return: register your own cache first.
    /// </remarks>
    public static IServiceCollection AddImageKit(this IServiceCollection services, Action<ImageKitOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ImageKitOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        AddCore(services, options);
        return services;
    }

    /// <summary>
    /// Like <see cref="AddImageKit(IServiceCollection, Action{ImageKitOptions}?)"/>, binding the settings from
    /// <paramref name="configuration"/> (typically <c>builder.Configuration.GetSection(ImageKitDefaults.ConfigurationSectionName)</c>)
    /// through generated code: no reflection, safe for trimming and native AOT.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">
    /// The section holding the settings, e.g. <c>{ "Downloader": { "MaxConcurrentDownloads": 4 } }</c>. A key that names no
    /// setting (a misspelling) fails the host's start with an <see cref="InvalidOperationException"/> naming it.
    /// </param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddImageKit(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        // A misspelt key fails the start like a bad value, instead of leaving the setting it meant at its default.
        var options = services.AddOptions<ImageKitOptions>().Bind(configuration, static binder => binder.ErrorOnUnknownConfiguration = true);
        AddCore(services, options);
        return services;
    }

    private static void AddCore(IServiceCollection services, OptionsBuilder<ImageKitOptions> options)
    {
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ImageKitOptions>, ImageKitOptionsValidator>());
        if (services.Any(static d => d.ServiceType == typeof(ImageKitMarker)))
        {
            return;
        }

        services.AddSingleton<ImageKitMarker>();

        // The factory never disposes the handlers it holds; the container disposes this, which disposes ImageKit's.
        services.AddSingleton<OwnedHandlers>();
        services.AddHttpClient(ImageKitDefaults.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static sp => sp.GetRequiredService<OwnedHandlers>().Add(ServiceFactories.CreateHandler(sp.GetRequiredService<IOptions<ImageKitOptions>>().Value.Downloader)))
            .ConfigureHttpClient(ServiceFactories.ConfigureClient)

            // The downloader keeps one client for its lifetime, so the factory's rotation never reaches its handler (the
            // handler recycles connections itself for DNS changes); and the rotation's timer would hold the factory, and
            // through it the whole container, for the two minutes of the default lifetime after the container is disposed.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.TryAddSingleton(ServiceFactories.CreateDownloader);
        services.TryAddSingleton(ServiceFactories.CreateCache);
        if (services.LastOrDefault(static d => d.ServiceType == typeof(ImageCache) && !d.IsKeyedService)?.ImplementationInstance is ImageCache appCache)
        {
            // The application's own instance stays the application's: the container disposes what a factory returns,
            // even an instance it merely looked up, but never an instance registered as such.
            services.TryAddSingleton<IImageCache>(appCache);
        }
        else
        {
            services.TryAddSingleton<IImageCache>(static sp => sp.GetRequiredService<ImageCache>());
        }

        services.TryAddSingleton(ServiceFactories.CreateManager);
        services.TryAddSingleton(ServiceFactories.CreatePrefetcher);
        services.TryAddSingleton(static _ => DisplayLinkProvider.System);
    }

    // Marks that the services are registered, so a second AddImageKit only adds configuration.
    private sealed class ImageKitMarker;
}
