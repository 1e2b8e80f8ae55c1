using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary><see cref="AnimatedImage.Load"/> reads at most <see cref="DecodingLimits.MaxFileBytes"/>, which the caller can set.</summary>
[TestClass]
public sealed class AnimatedImageLoadLimitTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Load_FileOverALoweredLimit_IsRefusedNamingTheLimit()
    {
        var path = Corpus.PathOf("animated-red-blue.gif");
        var length = new FileInfo(path).Length;
        var options = new ImageDecodeOptions { Limits = new DecodingLimits { MaxFileBytes = length - 1 } };

        var error = Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Load(path, options));

        StringAssert.Contains(error.Message, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the file has {length:N0} bytes"));
        StringAssert.Contains(error.Message, "DecodingLimits.MaxFileBytes");
        Assert.AreEqual(path, error.SourceName);
        using var fits = AnimatedImage.Load(path, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFileBytes = length } });
        Assert.AreEqual(4, fits.FrameCount);
    }

    [TestMethod]
    public void Load_DeviceWithoutALength_IsReadOnlyUpToTheLimit()
    {
        if (!File.Exists("/dev/zero"))
        {
            Assert.Inconclusive("needs /dev/zero");
        }

        var options = new ImageDecodeOptions { Limits = new DecodingLimits { MaxFileBytes = 1024 * 1024 } };

        var error = Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Load("/dev/zero", options));

        StringAssert.Contains(error.Message, "more than the 1,048,576 bytes allowed");
    }

    [TestMethod]
    [DoNotParallelize] // a 256 MiB array: kept away from the tests that measure memory
    public void Load_FileOverTheDefaultWithARaisedLimit_IsReadAndDecoded()
    {
        // A valid GIF followed by zeros (sparse on disk) to one byte past the 256 MiB default: a decoder stops at the GIF
        // trailer, so with the limit raised the file loads.
        var directory = Directory.CreateTempSubdirectory("imagekit-large-");
        try
        {
            var path = Path.Combine(directory.FullName, "large.gif");
            var gif = Corpus.Read("animated-red-blue.gif");
            using (var file = new FileStream(path, FileMode.CreateNew))
            {
                file.Write(gif);
                file.SetLength(new DecodingLimits().MaxFileBytes + 1);
            }

            Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Load(path));
            using var image = AnimatedImage.Load(path, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFileBytes = 512L * 1024 * 1024 } });
            Assert.AreEqual(4, image.FrameCount);
        }
        finally
        {
            directory.Delete(recursive: true);
            GC.Collect();
        }
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(-1L)]
    public void MaxFileBytes_NotPositive_IsRefused(long value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecodingLimits { MaxFileBytes = value });
}
