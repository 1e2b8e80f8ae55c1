using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImageKit.Display.MacOS;
using ImageKit.Display.MacOS.Interop;

namespace ImageKit.Tests.Display.MacOS;

[TestClass]
public sealed class CoreVideoInteropTests
{
    [TestMethod]
    public void CVTimeStamp_Layout_MatchesCVBaseH()
    {
        // Offsets of the C struct on both 64-bit ABIs macOS runs on (x64 and arm64 lay it out identically).
        Assert.AreEqual(80, Unsafe.SizeOf<CVTimeStamp>());
        Assert.AreEqual(0, Offset<CVTimeStamp>(nameof(CVTimeStamp.Version)));
        Assert.AreEqual(4, Offset<CVTimeStamp>(nameof(CVTimeStamp.VideoTimeScale)));
        Assert.AreEqual(8, Offset<CVTimeStamp>(nameof(CVTimeStamp.VideoTime)));
        Assert.AreEqual(16, Offset<CVTimeStamp>(nameof(CVTimeStamp.HostTime)));
        Assert.AreEqual(24, Offset<CVTimeStamp>(nameof(CVTimeStamp.RateScalar)));
        Assert.AreEqual(32, Offset<CVTimeStamp>(nameof(CVTimeStamp.VideoRefreshPeriod)));
        Assert.AreEqual(40, Offset<CVTimeStamp>(nameof(CVTimeStamp.SmpteTime)));
        Assert.AreEqual(64, Offset<CVTimeStamp>(nameof(CVTimeStamp.Flags)));
        Assert.AreEqual(72, Offset<CVTimeStamp>(nameof(CVTimeStamp.Reserved)));
    }

    [TestMethod]
    public void CVSMPTETime_Layout_MatchesCVBaseH()
    {
        Assert.AreEqual(24, Unsafe.SizeOf<CVSMPTETime>());
        Assert.AreEqual(2, Offset<CVSMPTETime>(nameof(CVSMPTETime.SubframeDivisor)));
        Assert.AreEqual(4, Offset<CVSMPTETime>(nameof(CVSMPTETime.Counter)));
        Assert.AreEqual(8, Offset<CVSMPTETime>(nameof(CVSMPTETime.Type)));
        Assert.AreEqual(12, Offset<CVSMPTETime>(nameof(CVSMPTETime.Flags)));
        Assert.AreEqual(16, Offset<CVSMPTETime>(nameof(CVSMPTETime.Hours)));
        Assert.AreEqual(22, Offset<CVSMPTETime>(nameof(CVSMPTETime.Frames)));
    }

    [TestMethod]
    public void CVTime_Layout_MatchesCVBaseH()
    {
        Assert.AreEqual(16, Unsafe.SizeOf<CVTime>());
        Assert.AreEqual(8, Offset<CVTime>(nameof(CVTime.TimeScale)));
        Assert.AreEqual(12, Offset<CVTime>(nameof(CVTime.Flags)));
    }

    [TestMethod]
    public void AutoreleasePoolScope_BodyThrows_PopsThePoolOnce()
    {
        using var fake = new FakeCoreVideo();

        Assert.Throws<InvalidOperationException>(() =>
        {
            using var scope = new AutoreleasePoolScope(fake);
            throw new InvalidOperationException("body");
        });

        Assert.AreEqual("Push Pop", string.Join(' ', fake.Calls));
        Assert.IsEmpty(fake.Violations, "the pop matched the push");
    }

    [TestMethod]
    public void AutoreleasePoolScope_DisposedTwice_PopsOnce()
    {
        using var fake = new FakeCoreVideo();
        var scope = new AutoreleasePoolScope(fake);
        scope.Dispose();
        scope.Dispose();

        Assert.AreEqual("Push Pop", string.Join(' ', fake.Calls));
        Assert.IsEmpty(fake.Violations);
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
