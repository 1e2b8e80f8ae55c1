using ImageKit.Views;

namespace ImageKit.Tests.Views;

[TestClass]
public sealed class ContentModeLayoutTests
{
    private const double Tolerance = 1e-9;

    public static IEnumerable<object[]> Cases =>
    [
        // image w, h, bounds w, h, mode, expected x, y, w, h
        [200, 100, 100.0, 100.0, ContentMode.Fit, 0.0, 25.0, 100.0, 50.0],
        [100, 200, 100.0, 100.0, ContentMode.Fit, 25.0, 0.0, 50.0, 100.0],
        [10, 10, 100.0, 50.0, ContentMode.Fit, 25.0, 0.0, 50.0, 50.0],
        [200, 100, 100.0, 100.0, ContentMode.Fill, -50.0, 0.0, 200.0, 100.0],
        [100, 200, 100.0, 100.0, ContentMode.Fill, 0.0, -50.0, 100.0, 200.0],
        [10, 10, 100.0, 50.0, ContentMode.Fill, 0.0, -25.0, 100.0, 100.0],
        [200, 100, 100.0, 100.0, ContentMode.Stretch, 0.0, 0.0, 100.0, 100.0],
        [7, 3, 640.5, 480.25, ContentMode.Stretch, 0.0, 0.0, 640.5, 480.25],
        [10, 20, 100.0, 100.0, ContentMode.Center, 45.0, 40.0, 10.0, 20.0],
        [300, 300, 100.0, 100.0, ContentMode.Center, -100.0, -100.0, 300.0, 300.0],
        [3, 3, 4.0, 4.0, ContentMode.Center, 0.5, 0.5, 3.0, 3.0],

        // Same aspect ratio: Fit and Fill agree with the bounds.
        [64, 48, 320.0, 240.0, ContentMode.Fit, 0.0, 0.0, 320.0, 240.0],
        [64, 48, 320.0, 240.0, ContentMode.Fill, 0.0, 0.0, 320.0, 240.0],

        // Extreme aspect ratios.
        [1, 100_000, 100.0, 100.0, ContentMode.Fit, 49.9995, 0.0, 0.001, 100.0],
        [1, 100_000, 100.0, 100.0, ContentMode.Fill, 0.0, -4_999_950.0, 100.0, 10_000_000.0],
        [100_000, 1, 100.0, 100.0, ContentMode.Fit, 0.0, 49.9995, 100.0, 0.001],
        [int.MaxValue, 1, 1.0, 1.0, ContentMode.Fit, 0.0, 0.5 - (0.5 / int.MaxValue), 1.0, 1.0 / int.MaxValue],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Compute_KnownCase_GivesExpectedRectangle(int iw, int ih, double bw, double bh, ContentMode mode, double x, double y, double w, double h)
    {
        var rect = ContentModeLayout.Compute(iw, ih, bw, bh, mode);

        Assert.AreEqual(x, rect.X, Tolerance, $"X of {rect}");
        Assert.AreEqual(y, rect.Y, Tolerance, $"Y of {rect}");
        Assert.AreEqual(w, rect.Width, Tolerance, $"Width of {rect}");
        Assert.AreEqual(h, rect.Height, Tolerance, $"Height of {rect}");
    }

    [TestMethod]
    [DataRow(0, 10, 100.0, 100.0)]
    [DataRow(10, 0, 100.0, 100.0)]
    [DataRow(10, 10, 0.0, 100.0)]
    [DataRow(10, 10, 100.0, 0.0)]
    [DataRow(0, 0, 0.0, 0.0)]
    public void Compute_EmptyImageOrBounds_GivesEmptyRectangleAtTheCentre(int iw, int ih, double bw, double bh)
    {
        foreach (var mode in Enum.GetValues<ContentMode>())
        {
            var rect = ContentModeLayout.Compute(iw, ih, bw, bh, mode);

            Assert.IsTrue(rect.IsEmpty, $"{mode}: {rect}");
            Assert.AreEqual(new LayoutRect(bw / 2, bh / 2, 0, 0), rect, mode.ToString());
        }
    }

    [TestMethod]
    public void Compute_RandomSizes_FitIsInsideFillCoversBothKeepTheAspectRatioAndAreCentred()
    {
        var random = new Random(20261201);
        for (var i = 0; i < 5_000; i++)
        {
            var iw = random.Next(1, 5_000);
            var ih = random.Next(1, 5_000);
            var bw = (random.NextDouble() * 2_000) + 0.5;
            var bh = (random.NextDouble() * 2_000) + 0.5;
            var context = $"{iw}x{ih} in {bw}x{bh}";

            var fit = ContentModeLayout.Compute(iw, ih, bw, bh, ContentMode.Fit);
            var fill = ContentModeLayout.Compute(iw, ih, bw, bh, ContentMode.Fill);

            Assert.IsTrue(fit.Width <= bw + Tolerance && fit.Height <= bh + Tolerance, $"fit inside: {context}");
            Assert.IsTrue(Math.Abs(fit.Width - bw) < Tolerance || Math.Abs(fit.Height - bh) < Tolerance, $"fit touches: {context}");
            Assert.IsTrue(fill.Width >= bw - Tolerance && fill.Height >= bh - Tolerance, $"fill covers: {context}");
            Assert.IsTrue(Math.Abs(fill.Width - bw) < Tolerance || Math.Abs(fill.Height - bh) < Tolerance, $"fill touches: {context}");
            foreach (var rect in new[] { fit, fill })
            {
                Assert.AreEqual((double)iw / ih, rect.Width / rect.Height, 1e-9 * ((double)iw / ih), $"aspect: {context}");
                Assert.AreEqual(bw / 2, rect.X + (rect.Width / 2), 1e-6, $"centred x: {context}");
                Assert.AreEqual(bh / 2, rect.Y + (rect.Height / 2), 1e-6, $"centred y: {context}");
            }
        }
    }

    [TestMethod]
    [DataRow(-1, 1, 1.0, 1.0)]
    [DataRow(1, -1, 1.0, 1.0)]
    [DataRow(1, 1, -1.0, 1.0)]
    [DataRow(1, 1, 1.0, -0.5)]
    [DataRow(1, 1, double.NaN, 1.0)]
    [DataRow(1, 1, 1.0, double.PositiveInfinity)]
    public void Compute_NegativeOrNonFiniteSize_Throws(int iw, int ih, double bw, double bh) =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ContentModeLayout.Compute(iw, ih, bw, bh, ContentMode.Fit));

    [TestMethod]
    [DataRow(3, 3, double.MaxValue, 1.0)]
    [DataRow(7, 7, 1.0, double.MaxValue)]
    [DataRow(3, 6, double.MaxValue / 2, 1.0)]
    public void Compute_FillWhoseResultIsRepresentable_GivesAFiniteRectangleThatCoversTheBounds(int iw, int ih, double bw, double bh)
    {
        var rect = ContentModeLayout.Compute(iw, ih, bw, bh, ContentMode.Fill);

        var context = $"{iw}x{ih} in {bw}x{bh}: {rect}";
        Assert.IsTrue(double.IsFinite(rect.X) && double.IsFinite(rect.Y), context);
        Assert.IsTrue(double.IsFinite(rect.Width) && double.IsFinite(rect.Height), context);
        Assert.IsTrue(rect.Width >= bw && rect.Height >= bh, context);
        Assert.AreEqual((double)iw / ih, rect.Width / rect.Height, 1e-9, context);

        var visible = ContentModeLayout.ComputeVisibleUnitRect(iw, ih, bw, bh, ContentMode.Fill);
        Assert.IsTrue(double.IsFinite(visible.Width) && double.IsFinite(visible.Height), $"visible: {visible}");
    }

    [TestMethod]
    [DataRow(1, 2, 1e308, 1.0)]
    [DataRow(2, 1, 1.0, 1e308)]
    [DataRow(1, int.MaxValue, 1e299, 1.0)]
    public void Compute_FillLargerThanTheLargestDouble_ThrowsInsteadOfGivingInfinity(int iw, int ih, double bw, double bh)
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ContentModeLayout.Compute(iw, ih, bw, bh, ContentMode.Fill));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ContentModeLayout.ComputeVisibleUnitRect(iw, ih, bw, bh, ContentMode.Fill));

        // Fit of the same sizes stays inside the bounds, so it is representable.
        var fit = ContentModeLayout.Compute(iw, ih, bw, bh, ContentMode.Fit);
        Assert.IsTrue(double.IsFinite(fit.Width) && double.IsFinite(fit.Height), $"fit: {fit}");
    }

    [TestMethod]
    public void Compute_UnknownMode_Throws() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ContentModeLayout.Compute(1, 1, 1, 1, (ContentMode)42));

    [TestMethod]
    public void ComputeVisibleUnitRect_EachMode_GivesTheVisiblePartOfTheImage()
    {
        Assert.AreEqual(new LayoutRect(0, 0, 1, 1), ContentModeLayout.ComputeVisibleUnitRect(200, 100, 100, 100, ContentMode.Fit));
        Assert.AreEqual(new LayoutRect(0, 0, 1, 1), ContentModeLayout.ComputeVisibleUnitRect(200, 100, 100, 100, ContentMode.Stretch));
        Assert.AreEqual(new LayoutRect(0.25, 0, 0.5, 1), ContentModeLayout.ComputeVisibleUnitRect(200, 100, 100, 100, ContentMode.Fill));
        Assert.AreEqual(new LayoutRect(0, 0.25, 1, 0.5), ContentModeLayout.ComputeVisibleUnitRect(100, 200, 100, 100, ContentMode.Fill));
        Assert.AreEqual(new LayoutRect(0, 0, 1, 1), ContentModeLayout.ComputeVisibleUnitRect(10, 20, 100, 100, ContentMode.Center));

        var centre = ContentModeLayout.ComputeVisibleUnitRect(300, 300, 100, 100, ContentMode.Center);
        Assert.AreEqual(1 / 3.0, centre.X, Tolerance);
        Assert.AreEqual(1 / 3.0, centre.Y, Tolerance);
        Assert.AreEqual(1 / 3.0, centre.Width, Tolerance);
        Assert.AreEqual(1 / 3.0, centre.Height, Tolerance);
    }

    [TestMethod]
    public void ComputeVisibleUnitRect_EmptyLayout_IsEmpty() =>
        Assert.IsTrue(ContentModeLayout.ComputeVisibleUnitRect(0, 10, 100, 100, ContentMode.Fill).IsEmpty);

    [TestMethod]
    [DataRow(ContentMode.Fit, "resizeAspect")]
    [DataRow(ContentMode.Fill, "resizeAspectFill")]
    [DataRow(ContentMode.Stretch, "resize")]
    [DataRow(ContentMode.Center, "center")]
    public void ToContentsGravity_EachMode_GivesTheCoreAnimationValue(ContentMode mode, string expected) =>
        Assert.AreEqual(expected, ContentModeLayout.ToContentsGravity(mode));

    [TestMethod]
    public void ToContentsGravity_UnknownMode_Throws() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ContentModeLayout.ToContentsGravity((ContentMode)(-1)));
}
