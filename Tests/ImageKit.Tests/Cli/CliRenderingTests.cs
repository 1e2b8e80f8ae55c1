using System.Text.RegularExpressions;
using ImageKit.Cli.Rendering;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using ImageKit.Tests.Transforming;
using SkiaSharp;

namespace ImageKit.Tests.Cli;

/// <summary>
/// The CLI's pictures (terminal drawing, contact sheet) shrink frames by averaging what each pixel covers, so fine
/// detail shows as its average colour rather than as noise or moiré.
/// </summary>
[TestClass]
public sealed partial class CliRenderingTests
{
    [TestMethod]
    public void TerminalRenderer_FineStripesShrunk_DrawsTheirAverageGrey()
    {
        using var image = AnimatedImage.Decode(TestPictures.Stripes(600, 30));
        using var frame = image.GetFrame(0);
        using var output = new StringWriter();
        new TerminalRenderer(output, maxColumns: 100, maxRows: 5).Draw(frame);

        var colours = ColourEscape().Matches(output.ToString());
        Assert.HasCount(300, colours, "100 columns x 3 rows of half blocks");
        foreach (Match colour in colours)
        {
            foreach (var group in new[] { "fr", "fg", "fb", "br", "bg", "bb" })
            {
                var value = int.Parse(colour.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.IsTrue(Math.Abs(value - 127.5) <= 8, $"{colour.Value}: {group} is {value}, not the stripes' grey");
            }
        }
    }

    [TestMethod]
    public void ContactSheet_FineStripesShrunk_ShowsTheirAverageGrey()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "sheet.png");
        using (var image = AnimatedImage.Decode(TestPictures.Stripes(600, 30)))
        using (var frame = image.GetFrame(0))
        using (var sheet = new ContactSheet())
        {
            sheet.Add(frame);
            sheet.Save(path);
        }

        using var saved = SKBitmap.Decode(path);
        Assert.AreEqual(2 + 160 + 2, saved.Width, "one cell of 160 pixels and its gaps");
        for (var x = 2 + 2; x < 2 + 158; x++)
        {
            var red = saved.GetPixel(x, 2 + 4).Red;
            Assert.IsTrue(Math.Abs(red - 127.5) <= 8, $"x {x}: {red}, not the stripes' grey");
        }
    }

    [TestMethod]
    public void ContactSheet_FramesAddedThenTheSheetWritten_HoldsNoFullSizeFrame()
    {
        // A sheet of up to 400 frames shown: held at full canvas size they would take gigabytes for a large animation,
        // where the sheet needs 160-pixel cells. Once shrunk (at the latest when the sheet is written), no lease is kept.
        using var folder = new TempFolder();
        using var sheet = new ContactSheet();
        var buffers = new List<ImageKit.Decoding.Internal.PixelBuffer>();
        using (var image = AnimatedImage.Decode(TestPictures.Stripes(600, 30)))
        {
            for (var i = 0; i < 3; i++)
            {
                using var frame = image.GetFrame(0);
                buffers.Add(frame.Buffer);
                sheet.Add(frame);
            }
        }

        sheet.Save(Path.Combine(folder.Path, "sheet.png"));

        Assert.AreEqual(3, sheet.Count);
        Assert.IsTrue(buffers.TrueForAll(static b => b.IsReleased), "the sheet still holds the frames at full size");
        using var saved = SKBitmap.Decode(Path.Combine(folder.Path, "sheet.png"));
        Assert.AreEqual(2 + (2 * (160 + 2)), saved.Width, "two columns of 160-pixel cells and their gaps");
    }

    [GeneratedRegex(@"\e\[38;2;(?<fr>\d+);(?<fg>\d+);(?<fb>\d+);48;2;(?<br>\d+);(?<bg>\d+);(?<bb>\d+)m")]
    private static partial Regex ColourEscape();
}
