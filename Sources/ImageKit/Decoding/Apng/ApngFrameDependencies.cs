namespace ImageKit.Decoding.Apng;

/// <summary>
/// Works out, from the dispose and blend operations alone, which composited frame each frame is drawn onto (the
/// <see cref="AnimatedImageSource.GetRequiredFrame"/> answer), so that random access never replays more than it must.
/// </summary>
internal static class ApngFrameDependencies
{
    /// <summary>Returns, per frame, the frame whose composited canvas it is drawn onto after that frame's disposal, or -1.</summary>
    /// <remarks>
    /// <para>
    /// The canvas a frame is drawn onto is described as "frame k composited, then k's disposal applied" (or empty). For
    /// frame i + 1 that is frame i, unless i disposes to PREVIOUS (then it is whatever i itself was drawn onto, since
    /// PREVIOUS reverts to exactly that), or i disposes to BACKGROUND over the whole canvas (then it is empty). So the k
    /// chosen never disposes to PREVIOUS, which could not be undone from k's composited pixels alone.
    /// </para>
    /// <para>
    /// A frame that replaces the whole canvas (SOURCE, or OVER with no alpha in the image) does not depend on what it is
    /// drawn onto and reports -1, but the chain above still records what it was drawn onto: a PREVIOUS after it needs that.
    /// </para>
    /// </remarks>
    public static int[] Compute(ApngFrame[] frames, int canvasWidth, int canvasHeight, bool hasAlpha)
    {
        var required = new int[frames.Length];
        var drawnOnto = -1;
        for (var i = 0; i < frames.Length; i++)
        {
            if (i > 0)
            {
                var previous = frames[i - 1].Control;
                drawnOnto = previous.Dispose switch
                {
                    ApngDisposeOp.Previous => drawnOnto,
                    ApngDisposeOp.Background when previous.Covers(canvasWidth, canvasHeight) => -1,
                    _ => i - 1,
                };
            }

            var control = frames[i].Control;
            var replacesCanvas = control.Covers(canvasWidth, canvasHeight)
                && (control.Blend == ApngBlendOp.Source || !hasAlpha);
            required[i] = replacesCanvas ? -1 : drawnOnto;
        }

        return required;
    }
}
