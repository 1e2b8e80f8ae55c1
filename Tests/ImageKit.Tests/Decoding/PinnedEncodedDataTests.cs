using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// A response body on the pinned object heap becomes the decoded image's encoded data as it is (no native copy). The
/// image then depends on that managed array for as long as it or any of its codecs lives, and must let it go after.
/// </summary>
[TestClass]
public sealed class PinnedEncodedDataTests
{
    public static IEnumerable<object[]> Images =>
    [
        ["TestImage.gif"],
        ["TestImageAnimated.webp"],
        ["TestImageAnimated.apng"],
        ["TestImage.jpg"],
        ["TestImage.png"],
    ];

    [TestMethod]
    [DynamicData(nameof(Images))]
    public void DecodePinned_KeepsTheArrayAsTheEncodedData_WithoutACopy(string name)
    {
        var body = PinnedCopy(Corpus.Read(name));

        using var image = ImageDecoderRegistry.Default.DecodePinned(body, options: null);

        Assert.AreEqual(body.Length, image.EncodedData.Length);
        Assert.IsTrue(
            Unsafe.AreSame(ref MemoryMarshal.GetArrayDataReference(body), ref MemoryMarshal.GetReference(image.EncodedData.Span)),
            "the image's encoded data must be the body itself, not a copy");
    }

    [TestMethod]
    [DynamicData(nameof(Images))]
    public void DecodePinned_BodyDroppedByEveryoneElseAndItsMemoryReused_FramesDecodeTheSamePixels(string name)
    {
        var bytes = Corpus.Read(name);
        using var expected = AnimatedImage.Decode(bytes);
        using var image = DecodeFromADroppedBody(bytes, out var body);

        // Had the image not kept its body reachable, the body would be collected here and its memory handed to the
        // pinned arrays allocated next, which overwrite it.
        Assert.IsTrue(Leaks.CollectUntil(() => true));
        Assert.IsTrue(body.TryGetTarget(out _), "the image must keep its encoded data (the body) alive");
        var garbage = new List<byte[]>();
        for (var i = 0; i < 64; i++)
        {
            var array = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
            array.AsSpan().Fill(0x5A);
            garbage.Add(array);
        }

        Assert.AreEqual(expected.FrameCount, image.FrameCount);
        for (var i = 0; i < image.FrameCount; i++)
        {
            using var want = expected.GetFrame(i);
            using var got = image.GetFrame(i);
            Assert.AreEqual(XxHash64.HashToUInt64(want.Pixels), XxHash64.HashToUInt64(got.Pixels), $"frame {i}");
        }

        GC.KeepAlive(garbage);
    }

    [TestMethod]
    [DynamicData(nameof(Images))]
    public void DecodePinned_ImageAndFramesDisposed_BodyIsCollected(string name)
    {
        var body = DecodeEveryFrameAndDispose(Corpus.Read(name));

        Assert.IsTrue(Leaks.CollectUntil(() => !body.TryGetTarget(out _)), "the body must not outlive the image that kept it");
    }

    private static byte[] PinnedCopy(ReadOnlySpan<byte> bytes)
    {
        var body = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(body);
        return body;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static AnimatedImage DecodeFromADroppedBody(byte[] bytes, out WeakReference<byte[]> body)
    {
        var pinned = PinnedCopy(bytes);
        body = new WeakReference<byte[]>(pinned);
        return ImageDecoderRegistry.Default.DecodePinned(pinned, options: null);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<byte[]> DecodeEveryFrameAndDispose(byte[] bytes)
    {
        var pinned = PinnedCopy(bytes);
        using (var image = ImageDecoderRegistry.Default.DecodePinned(pinned, options: null))
        {
            for (var i = 0; i < image.FrameCount; i++)
            {
                using var frame = image.GetFrame(i);
            }
        }

        return new WeakReference<byte[]>(pinned);
    }
}
