using System.Drawing;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;

namespace ImageKit.Tests.Transforming;

/// <summary>
/// A custom transformer's <see cref="ImageTransformer.Key"/> is read again wherever a cache key is made. One that breaks
/// the documented rule (the key must not change over the transformer's life) and later answers null or empty gets a
/// clear <see cref="ImageTransformException"/> naming the transformer, not a <see cref="NullReferenceException"/> from
/// ImageKit's own code.
/// </summary>
[TestClass]
public sealed class TransformerKeyTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    public async Task LoadImageAsync_TransformerKeyLostAfterTheOptionsWereMade_FailsWithImageTransformExceptionNamingIt(string? later)
    {
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = null });
        var fickle = new FickleTransformer(later);
        var options = new ImageLoadOptions { Transformers = [fickle] };
        var url = new Uri("data:image/gif;base64," + Convert.ToBase64String(Corpus.Read("animated-red-blue.gif")));

        var error = await Assert.ThrowsAsync<ImageTransformException>(() => manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken));

        StringAssert.Contains(error.Message, nameof(FickleTransformer));
    }

    // Answers "fickle" while the options are checked (when made, and again by the manager), then `later`.
    private sealed class FickleTransformer(string? later) : ImageTransformer
    {
        private const int Checks = 2;

        private int _reads;

        public override string Key => Interlocked.Increment(ref _reads) <= Checks ? "fickle" : later!;

        public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize) => input.CopyTo(output);
    }
}
