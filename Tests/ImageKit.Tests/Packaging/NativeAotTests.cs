using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Packaging;

/// <summary>
/// Publishes <c>Tests/ImageKit.AotSmoke</c> (an app that uses the SDK the usual ways) with Native AOT and runs it against a
/// loopback server: the SDK's <c>IsAotCompatible</c> checked where it matters, in a compiled app at run time. The publish
/// builds into a private artifacts folder, so it never shares output with the build this test run made.
/// </summary>
[TestClass]
[TestCategory("Packaging")]
public sealed class NativeAotTests
{
    // Hang guards, not speed limits: the publish compiles the SDK and the whole app to native code (~45 s on an idle
    // 2-core machine), beside the rest of the suite.
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromMinutes(1);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(10 * 60 * 1000, CooperativeCancellation = true)]
    public async Task AppPublishedWithNativeAot_LoadsCachesAndPlaysAnAnimationWithoutTrimOrAotWarnings()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("publishes for linux-x64 or linux-arm64");
            return;
        }

        var root = DotnetCli.FindRepositoryRoot();
        var temp = Directory.CreateTempSubdirectory("imagekit-aot-");
        try
        {
            var output = Path.Combine(temp.FullName, "out");
            var publish = await DotnetCli.RunAsync(
                DotnetCli.Executable,
                [
                    "publish", Path.Combine(root, "Tests", "ImageKit.AotSmoke", "ImageKit.AotSmoke.csproj"),
                    "-c", "Release", "-r", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier,
                    "--artifacts-path", Path.Combine(temp.FullName, "artifacts"), "-o", output,
                ],
                s_publishTimeout,
                cancellationToken: TestContext.CancellationToken);
            TestContext.WriteLine($"publish: {publish.Elapsed.TotalSeconds:0.0} s");
            Assert.AreEqual(0, publish.ExitCode, publish.ToString());

            // IL2xxx: trimming; IL3xxx: AOT. Any of them means some code path may fail in a published app.
            var warnings = publish.Stdout.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"warning IL[23]\d{3}")).Distinct().ToList();
            Assert.IsEmpty(warnings, string.Join("\n", warnings));

            var program = Path.Combine(output, "ImageKit.AotSmoke");
            Assert.IsTrue(File.Exists(program), $"no native program in {output}: {string.Join(", ", Directory.GetFiles(output))}");
            Assert.IsFalse(File.Exists(Path.Combine(output, "ImageKit.AotSmoke.dll")), "published as IL, not native code");

            await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
            const string Animation = "animated-red-blue.gif";
            var run = await DotnetCli.RunAsync(
                program,
                [server.Image(Animation).ToString(), Path.Combine(temp.FullName, "cache")],
                s_runTimeout,
                cancellationToken: TestContext.CancellationToken);
            TestContext.WriteLine(run.Stdout);
            Assert.AreEqual(0, run.ExitCode, run.ToString());

            var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var expected = Corpus.Get(Animation);
            StringAssert.StartsWith(lines[0], $"network Network Gif {expected.Width}x{expected.Height} frames={expected.FrameCount} ", run.ToString());
            // A thumbnail fits in 16 × 16 and keeps the aspect ratio: 64 × 48 becomes 16 × 12.
            StringAssert.StartsWith(lines[1], "thumbnail Disk ", run.ToString()); // the original's bytes, on disk or on their way
            StringAssert.EndsWith(lines[1], $" 16x{16 * expected.Height / expected.Width}", run.ToString());
            CollectionAssert.AreEqual(
                new[] { "relaunch Disk", "di Disk", "ok" },
                new[] { lines[2], lines[3], lines[^1] },
                run.ToString());
            Assert.AreEqual("warm-up skipped=0", lines[5], run.ToString());
            StringAssert.StartsWith(lines[4], "played frame-changes=", run.ToString());
            Assert.IsGreaterThanOrEqualTo(3, int.Parse(lines[4].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture), run.ToString());
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }
}
