using ImageKit.Cli;
using ImageKit.Cli.Output;
using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A standard output or standard error that cannot be written (closed by the caller, <c>/dev/full</c>) is reported like
/// any bad input, never an unhandled exception that aborts the process.
/// </summary>
[TestClass]
public sealed class ClosedOutputTests
{
    private static readonly string s_gif = Corpus.PathOf("animated-red-blue.gif");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Inspect_StdoutWithAClosedDescriptor_ExitsTwoWithTheSystemsReasonOnStderr()
    {
        using var stderr = new StringWriter();

        var exitCode = await CliApp.RunAsync(["inspect", s_gif], new RefusingWriter(ClosedDescriptor), stderr, TestContext.CancellationToken);

        Assert.AreEqual(2, exitCode, stderr.ToString());
        Assert.AreEqual("imagekit: cannot write to standard output: Bad file descriptor" + Environment.NewLine, stderr.ToString());
    }

    [TestMethod]
    public async Task Inspect_StdoutTheCallerClosed_ExitsTwoWithBadFileDescriptorOnStderr()
    {
        using var stderr = new StringWriter();

        var exitCode = await CliApp.RunAsync(["inspect", s_gif], new ClosedDescriptorWriter(), stderr, TestContext.CancellationToken);

        Assert.AreEqual(2, exitCode, stderr.ToString());
        Assert.AreEqual("imagekit: cannot write to standard output: Bad file descriptor" + Environment.NewLine, stderr.ToString());
    }

    [TestMethod]
    public void WasClosed_ADescriptorThisProcessOpenedOrNoDescriptorAtAll_CountsAsClosedByTheCaller()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("numbered descriptors are a Unix feature");
        }

        // .NET opens files close-on-exec, as the runtime opens the pipes that take a closed 0, 1 or 2.
        using var file = File.OpenHandle(s_gif);
        var opened = (int)file.DangerousGetHandle();

        Assert.IsTrue(StandardDescriptors.WasClosed(opened), "a descriptor opened after exec");
        Assert.IsTrue(StandardDescriptors.WasClosed(1_000_000), "a number with no descriptor");
    }

    [TestMethod]
    public async Task FetchJson_StdoutOnAFullDisk_ExitsTwoWithTheSystemsReasonOnStderr()
    {
        var cacheDir = Directory.CreateTempSubdirectory("imagekit-closed-out-");
        try
        {
            using var stderr = new StringWriter();

            var exitCode = await CliApp.RunAsync(
                ["fetch", new Uri(s_gif).AbsoluteUri, "--json", "--cache-dir", cacheDir.FullName],
                new RefusingWriter(() => new IOException("No space left on device")),
                stderr,
                TestContext.CancellationToken);

            Assert.AreEqual(2, exitCode, stderr.ToString());
            Assert.AreEqual("imagekit: cannot write to standard output: No space left on device" + Environment.NewLine, stderr.ToString());
        }
        finally
        {
            cacheDir.Delete(recursive: true);
        }
    }

    [TestMethod]
    public async Task Inspect_MissingFileWithAClosedStderr_StillExitsTwoWithoutThrowing()
    {
        using var stdout = new StringWriter();

        var exitCode = await CliApp.RunAsync(["inspect", "/no/such/file.gif"], stdout, new RefusingWriter(ClosedDescriptor), TestContext.CancellationToken);

        Assert.AreEqual(2, exitCode);
        Assert.AreEqual(string.Empty, stdout.ToString());
    }

    [TestMethod]
    public async Task Inspect_VerboseWithAClosedStderr_StillPrintsItsResultAndSucceeds()
    {
        using var stdout = new StringWriter();
        var stderr = new RefusingWriter(ClosedDescriptor);

        var exitCode = await CliApp.RunAsync(["inspect", s_gif, "--verbose", "--metrics"], stdout, stderr, TestContext.CancellationToken);

        Assert.AreEqual(0, exitCode);
        StringAssert.Contains(stdout.ToString(), "format      GIF");
        Assert.IsGreaterThan(0, stderr.Attempts, "the verbose log did try to write");
    }

    [TestMethod]
    [DataRow("inspect|{gif}|>&-", "imagekit: cannot write to standard output: Bad file descriptor")]
    [DataRow("inspect|{gif}|>/dev/full", "imagekit: cannot write to standard output: No space left on device")]
    [DataRow("inspect|/no/such/file.gif|2>&-", "")]
    // With standard input closed as well, the runtime takes descriptors 0 and 1 for a pipe of its own as it starts.
    [DataRow("inspect|{gif}|<&- >&-", "imagekit: cannot write to standard output: Bad file descriptor")]
    [DataRow("inspect|{gif}|>&- <&-", "imagekit: cannot write to standard output: Bad file descriptor")]
    public async Task RealProcess_ClosedOrFullStream_ExitsTwoInsteadOfAborting(string commandLine, string expectedStderr)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("closing a descriptor with the shell is a Unix feature");
        }

        var parts = commandLine.Replace("{gif}", s_gif, StringComparison.Ordinal).Split('|');
        var result = await ShellAsync($"\"$2\" \"$3\" {parts[2]}", TimeSpan.FromMinutes(1), [parts[0], parts[1]]);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual(expectedStderr, result.Stderr.TrimEnd('\n'), result.ToString());
    }

    [TestMethod]
    [DataRow("/dev/stdin")]
    [DataRow("/dev/fd/0")]
    public async Task RealProcess_InspectOfAClosedStandardInput_ExitsTwoInsteadOfWaiting(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("closing a descriptor with the shell is a Unix feature");
        }

        // Before: the runtime's own pipe had taken descriptor 0, and reading it waited until Ctrl-C.
        var result = await ShellAsync("inspect \"$2\" <&-", TimeSpan.FromSeconds(30), [path]);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual($"imagekit: {path}: standard input is closed", result.Stderr.TrimEnd('\n'), result.ToString());
        Assert.AreEqual(string.Empty, result.Stdout);
    }

    [TestMethod]
    public async Task RealProcess_InspectOfStandardInputRedirectedFromAFile_ReadsTheImage()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("/dev/stdin is a Unix feature");
        }

        var result = await ShellAsync("inspect /dev/stdin < \"$2\"", TimeSpan.FromSeconds(60), [s_gif]);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stdout, "format      GIF");
    }

    [TestMethod]
    [DataRow(">&-")]
    [DataRow("<&- >&-")]
    public async Task RealProcess_DemoWithAClosedStdout_ExitsTwoAndLeavesNoWorkFolderBehind(string redirections)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("closing a descriptor with the shell is a Unix feature");
        }

        var temp = Directory.CreateTempSubdirectory("imagekit-closed-demo-");
        try
        {
            var result = await ShellAsync($"demo {redirections}", TimeSpan.FromMinutes(2), [], new Dictionary<string, string> { ["TMPDIR"] = temp.FullName });

            Assert.AreEqual(2, result.ExitCode, result.ToString());
            Assert.AreEqual("imagekit: cannot write to standard output: Bad file descriptor", result.Stderr.TrimEnd('\n'), result.ToString());
            CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temp.FullName), "the demo's empty work folder was removed");
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Runs the CLI through <c>sh</c>, which applies the redirections in <paramref name="script"/> and then becomes the
    /// CLI: in the script "$0" is dotnet, "$1" the CLI, "$2"… <paramref name="arguments"/>.
    /// </summary>
    private Task<ProcessResult> ShellAsync(string script, TimeSpan timeout, string[] arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        DotnetCli.RunAsync(
            "/bin/sh",
            ["-c", $"exec \"$0\" \"$1\" {script}", DotnetCli.Executable, Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll"), .. arguments],
            timeout,
            environment,
            TestContext.CancellationToken);

    private static UnauthorizedAccessException ClosedDescriptor() =>
        // What .NET's console stream throws for EBADF.
        new UnauthorizedAccessException("Access to the path is denied.", new IOException("Bad file descriptor"));

    /// <summary>A writer whose every write fails with the exception <paramref name="failure"/> makes.</summary>
    private sealed class RefusingWriter(Func<Exception> failure) : TextWriter
    {
        private int _attempts;

        public int Attempts => _attempts;

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => Refuse();

        public override void Write(string? value) => Refuse();

        public override void Write(char[] buffer, int index, int count) => Refuse();

        public override void Flush() => Refuse();

        private void Refuse()
        {
            Interlocked.Increment(ref _attempts);
            throw failure();
        }
    }
}
