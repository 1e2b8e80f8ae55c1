// The names an application needs next to AddImageKit live in the root namespace with it.
#pragma warning disable IDE0130
namespace ImageKit;
#pragma warning restore IDE0130

/// <summary>Names used by <see cref="ImageKitServiceCollectionExtensions.AddImageKit(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{DependencyInjection.ImageKitOptions}?)"/>.</summary>
public static class ImageKitDefaults
{
    /// <summary>
    /// The name of the <see cref="IHttpClientFactory"/> client the downloader uses: <c>ImageKit</c>. Add handlers with
    /// <c>services.AddHttpClient(ImageKitDefaults.HttpClientName).AddHttpMessageHandler(...)</c>.
    /// </summary>
    public const string HttpClientName = "ImageKit";

    /// <summary>The conventional configuration section of <see cref="DependencyInjection.ImageKitOptions"/>: <c>ImageKit</c>.</summary>
    public const string ConfigurationSectionName = "ImageKit";
}
