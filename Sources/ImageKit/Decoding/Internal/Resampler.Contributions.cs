namespace ImageKit.Decoding.Internal;

/// <summary>The filter's weights along one axis.</summary>
internal static partial class Resampler
{
    /// <summary>For each output pixel along one axis: the source pixels it weighs, and their normalised weights.</summary>
    private sealed class Contributions
    {
        private readonly int[] _starts;
        private readonly int[] _counts;
        private readonly int[] _offsets;

        private Contributions(int[] starts, int[] counts, int[] offsets, float[] weights)
        {
            _starts = starts;
            _counts = counts;
            _offsets = offsets;
            Weights = weights;
        }

        public int Count => _starts.Length;

        public float[] Weights { get; }

        public (int Start, int Count, int Offset) Span(int index) => (_starts[index], _counts[index], _offsets[index]);

        // `extent`: the source's length in units of its pixels (its pixel count, unless its last pixel is narrower).
        public static Contributions Create(int sourceLength, double extent, int targetLength)
        {
            var scale = extent / targetLength;
            var stretch = Math.Max(scale, 1); // shrinking widens the filter; enlarging interpolates
            var support = MitchellSupport * stretch;
            var starts = new int[targetLength];
            var counts = new int[targetLength];
            var offsets = new int[targetLength];
            var weights = new float[targetLength * ((2 * (int)Math.Ceiling(support)) + 2)];

            // A last pixel narrower than the others (a box reduction's cut block) sits at its own centre and weighs as much
            // of the source as it covers: taken as a whole pixel, the one source column it may stand for would count as
            // much as a whole block of them, and the image's right or bottom edge would come out unlike its left or top.
            var lastWidth = Math.Clamp(extent - (sourceLength - 1), double.Epsilon, 1);
            var used = 0;
            for (var i = 0; i < targetLength; i++)
            {
                var centre = (i + 0.5) * scale;
                var first = Math.Max(0, (int)Math.Floor(centre - support));
                var end = Math.Min(sourceLength, (int)Math.Ceiling(centre + support));
                var total = 0.0;
                for (var j = first; j < end; j++)
                {
                    var last = j == sourceLength - 1;
                    var position = last ? j + (lastWidth / 2) : j + 0.5;
                    var w = Mitchell((float)((position - centre) / stretch)) * (last ? (float)lastWidth : 1f);
                    weights[used + j - first] = w;
                    total += w;
                }

                // Normalised, so that flat colour stays flat and edges (where taps fall outside) keep their level.
                for (var k = used; k < used + end - first; k++)
                {
                    weights[k] = (float)(weights[k] / total);
                }

                starts[i] = first;
                counts[i] = end - first;
                offsets[i] = used;
                used += end - first;
            }

            return new Contributions(starts, counts, offsets, weights);
        }
    }
}
