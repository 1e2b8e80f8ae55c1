namespace ImageKit.Views.Internal;

/// <summary>Live and surplus-release counts of <see cref="FramePixelLease"/>s, for tests that prove "released exactly once".</summary>
internal static class FramePixelLeaseCounters
{
    private static long s_live;
    private static long s_extraReleases;

    /// <summary>Leases created and not yet released.</summary>
    public static long Live => Interlocked.Read(ref s_live);

    /// <summary>Calls to <see cref="FramePixelLease.Release"/> after the first, which did nothing.</summary>
    public static long ExtraReleases => Interlocked.Read(ref s_extraReleases);

    public static void Created() => Interlocked.Increment(ref s_live);

    public static void Released() => Interlocked.Decrement(ref s_live);

    public static void ExtraRelease() => Interlocked.Increment(ref s_extraReleases);
}
