using System.Drawing;
using ImageKit.Transforming;

namespace ImageKit.Tests.Transforming;

/// <summary>
/// The anti-aliased edges of <see cref="CircleTransformer"/> and <see cref="RoundCornersTransformer"/>: each edge pixel's
/// alpha is the part of it the shape covers, on every side alike.
/// </summary>
[TestClass]
public sealed class ShapeEdgeTests
{
    [TestMethod]
    [DataRow(64)]
    [DataRow(201)]
    [DataRow(5)]
    public void Circle_EdgePixels_AreAsOpaqueAsThePartOfThemInsideTheCircle(int side)
    {
        var radius = side / 2.0;
        AssertCoverage(new CircleTransformer(), side, side, (x, y) => Square(x - radius) + Square(y - radius) <= Square(radius));
    }

    [TestMethod]
    [DataRow(64, 40, 12f)]
    [DataRow(150, 90, 40f)]
    [DataRow(20, 10, 100f)] // a radius larger than half the side: the corners meet in a half circle each side
    public void RoundCorners_EdgePixels_AreAsOpaqueAsThePartOfThemInsideTheShape(int width, int height, float radius)
    {
        var r = Math.Min(radius, Math.Min(width, height) / 2.0);
        AssertCoverage(new RoundCornersTransformer(radius), width, height, (x, y) =>
        {
            // Inside unless in a corner square and farther than the radius from that corner's centre.
            var cx = Math.Clamp(x, r, width - r);
            var cy = Math.Clamp(y, r, height - r);
            return Square(x - cx) + Square(y - cy) <= Square(r);
        });
    }

    private static void AssertCoverage(ImageTransformer transformer, int width, int height, Func<double, double, bool> inside)
    {
        var input = new byte[width * height * 4];
        input.AsSpan().Fill(255); // opaque white: alpha alone tells the coverage
        var output = new byte[input.Length];
        transformer.Transform(input, new Size(width, height), output, new Size(width, height));
        const int Samples = 16;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var covered = 0;
                for (var sy = 0; sy < Samples; sy++)
                {
                    for (var sx = 0; sx < Samples; sx++)
                    {
                        covered += inside(x + ((sx + 0.5) / Samples), y + ((sy + 0.5) / Samples)) ? 1 : 0;
                    }
                }

                var expected = 255.0 * covered / (Samples * Samples);
                var alpha = output[(((y * width) + x) * 4) + 3];
                Assert.IsTrue(Math.Abs(alpha - expected) <= 20, $"{transformer.Key} on {width}x{height}: pixel ({x}, {y}) has alpha {alpha}, the shape covers {expected:F0} of 255");
                Assert.IsTrue(output[((y * width) + x) * 4] <= alpha, $"pixel ({x}, {y}): colour above alpha");
            }
        }
    }

    private static double Square(double value) => value * value;
}
