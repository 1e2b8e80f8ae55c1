using ImageKit.Loading;

namespace ImageKit.Tests.TestUtilities;

/// <summary>Loads <c>asset:</c> URLs as the corpus image <paramref name="name"/>, at once.</summary>
internal sealed class AssetLoader(string name = "TestImage.gif") : IImageLoader
{
    public bool CanLoad(Uri url) => url.Scheme == "asset";

    public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ImageLoaderResponse(request.Url, Corpus.Read(name)));
}
