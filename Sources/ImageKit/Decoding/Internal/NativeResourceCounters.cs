namespace ImageKit.Decoding.Internal;

/// <summary>
/// Live counts of the native objects ImageKit owns, kept by the owners themselves when they create and release them.
/// Tests assert that every count returns to where it started after thousands of successful and failing decodes, which
/// proves "released exactly once on every path" without relying on process memory alone.
/// </summary>
internal static class NativeResourceCounters
{
    private static long s_liveCodecs;
    private static long s_livePins;
    private static long s_extraReleases;

    [ThreadStatic]
    private static long t_codecsOpenedOnThisThread;

    /// <summary>Skia codecs opened by image sources and not yet disposed.</summary>
    public static long LiveCodecs => Interlocked.Read(ref s_liveCodecs);

    /// <summary>Pins on encoded data handed to Skia and not yet released by it.</summary>
    public static long LivePins => Interlocked.Read(ref s_livePins);

    /// <summary>Releases attempted on something already released: must stay 0.</summary>
    public static long ExtraReleases => Interlocked.Read(ref s_extraReleases);

    /// <summary>
    /// Skia codecs ever opened on the calling thread: a test decoding on its own thread sees its own opens alone, whatever
    /// other tests do meanwhile.
    /// </summary>
    public static long CodecsOpenedOnThisThread => t_codecsOpenedOnThisThread;

    public static void CodecOpened()
    {
        Interlocked.Increment(ref s_liveCodecs);
        t_codecsOpenedOnThisThread++;
    }

    public static void CodecClosed() => Interlocked.Decrement(ref s_liveCodecs);

    public static void PinTaken() => Interlocked.Increment(ref s_livePins);

    public static void PinReleased() => Interlocked.Decrement(ref s_livePins);

    public static void ExtraRelease() => Interlocked.Increment(ref s_extraReleases);
}
