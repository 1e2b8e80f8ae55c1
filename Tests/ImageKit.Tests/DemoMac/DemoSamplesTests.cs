using Demo.Mac.Portable;

namespace ImageKit.Tests.DemoMac;

[TestClass]
public sealed class DemoSamplesTests
{
    // The tool embeds the same Assets folder that Demo.Mac embeds under its own prefix.
    private static readonly DemoSamples s_cliSamples = new(typeof(ImageKit.Cli.CliApp).Assembly, "ImageKit.Cli.Assets.");

    [TestMethod]
    public void Names_CliAssembly_ListsEveryBundledSampleSorted()
    {
        CollectionAssert.AreEqual(
            ImageKit.Cli.Commands.DemoCommand.Samples.Order(StringComparer.Ordinal).ToArray(),
            s_cliSamples.Names.ToArray());
    }

    [TestMethod]
    public void Read_Sample_ReturnsTheEmbeddedBytes()
    {
        var bytes = s_cliSamples.Read("bounce.gif");

        Assert.IsGreaterThan(6, bytes.Length);
        Assert.AreEqual("GIF89a", System.Text.Encoding.ASCII.GetString(bytes, 0, 6));
        CollectionAssert.AreEqual(ImageKit.Cli.Commands.DemoCommand.ReadAsset("bounce.gif"), bytes);
    }

    [TestMethod]
    public void Read_UnknownName_Throws() =>
        Assert.ThrowsExactly<InvalidOperationException>(() => s_cliSamples.Read("nope.gif"));

    [TestMethod]
    public void Names_OtherPrefix_None() =>
        Assert.IsEmpty(new DemoSamples(typeof(ImageKit.Cli.CliApp).Assembly, "Demo.Mac.Assets.").Names);
}
