using System.Globalization;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// ImageKit's messages (exceptions, logs) read the same whatever the app's culture: they are diagnostics that end up in
/// logs and bug reports, and the README quotes them. Numbers in them followed the thread's culture ("1.048.576" under
/// German or Turkish), found by running the suite with <c>LANG=tr_TR.UTF-8</c>.
/// </summary>
[TestClass]
public sealed class CultureInvariantMessageTests
{
    [TestMethod]
    [DataRow("de-DE")]
    [DataRow("tr-TR")]
    [DataRow("fr-FR")]
    public void FileOverTheLimit_SaysItsNumbersAsInEnglish(string culture)
    {
        if (!File.Exists("/dev/zero"))
        {
            Assert.Inconclusive("needs /dev/zero");
        }

        var options = new ImageDecodeOptions { Limits = new DecodingLimits { MaxFileBytes = 1024 * 1024 } };

        var message = InCulture(culture, () => Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Load("/dev/zero", options)).Message);

        StringAssert.Contains(message, "more than the 1,048,576 bytes allowed");
    }

    [TestMethod]
    [DataRow("de-DE")]
    [DataRow("tr-TR")]
    public void CanvasOverThePixelLimit_SaysItsNumbersAsInEnglish(string culture)
    {
        var options = new ImageDecodeOptions { Limits = new DecodingLimits { MaxPixelsPerFrame = 1_000 } };
        var gif = Corpus.Read("TestImage.gif"); // 50 x 50

        var message = InCulture(culture, () => Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Decode(gif, options)).Message);

        StringAssert.Contains(message, "has 2,500 pixels, more than the limit of 1,000");
    }

    [TestMethod]
    [DataRow("de-DE")]
    [DataRow("tr-TR")]
    public void ApngChunkFailingItsCrc_SaysItsOffsetAsInEnglish(string culture)
    {
        var apng = Corpus.Read("TestImageAnimated.apng");
        const int SecondFrameControl = 8_372; // the fcTL of frame 1: length, type, 26 bytes of data, CRC
        Assert.AreEqual("fcTL", System.Text.Encoding.ASCII.GetString(apng, SecondFrameControl + 4, 4));
        apng[SecondFrameControl + 8 + 26 + 3] ^= 0xFF;

        var message = InCulture(culture, () => Assert.Throws<ImageDecodingException>(() => AnimatedImage.Decode(apng)).Message);

        StringAssert.Contains(message, "the fcTL chunk at byte 8,372 fails its CRC check");
    }

    private static T InCulture<T>(string name, Func<T> action)
    {
        CultureInfo culture;
        try
        {
            culture = CultureInfo.GetCultureInfo(name);
        }
        catch (CultureNotFoundException)
        {
            // Globalization-invariant mode (no ICU on the machine): there is no other culture to run in.
            Assert.Inconclusive($"the culture {name} is not available here (globalization-invariant mode)");
            throw;
        }

        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = culture;
        try
        {
            return action();
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }
}
