using System.CommandLine;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using ImageKit.Animation;
using ImageKit.Caching;
using ImageKit.Cli.Demo;
using ImageKit.Cli.Fetching;
using ImageKit.Cli.Input;
using ImageKit.Cli.Rendering;
using ImageKit.Transforming;

namespace ImageKit.Cli.Commands;

/// <summary>
/// <c>imagekit demo</c>: the main job on an embedded default, with nothing to set up and no internet. A loopback server
/// serves the sample animations bundled with the tool; they are loaded through the whole pipeline (network → decode → disk
/// and memory caches), one is played through the player, a contact sheet is written, and everything is loaded again to
/// show the memory and disk hits.
/// </summary>
internal static partial class DemoCommand
{
    /// <summary>The bundled samples, in the order they are loaded.</summary>
    internal static readonly string[] Samples = ["earth.gif", "earth.webp", "earth.apng", "bounce.gif", "spinner.webp", "pulse.apng"];

    private const string PlayedSample = "bounce.gif";

    // The loopback server's port changes every run: keyed by the sample's path, a --cache-dir kept from an earlier run
    // answers from disk (this is what ImageLoadOptions.CacheKey is for: a URL part that does not change the image).
    private static readonly ImageLoadOptions s_loadOptions = FetchRunner.LoadOptions with { CacheKey = static url => "imagekit-demo:" + url.AbsolutePath };

    public static Command Create(TextWriter stdout, Func<bool> stdoutIsTerminal)
    {
        var cacheDir = new Option<DirectoryInfo?>("--cache-dir") { Description = "Use this cache folder instead of a fresh one and keep it: a later demo run with it loads the samples from disk." };
        var contactSheet = new Option<FileInfo?>("--contact-sheet") { Description = "Where to write the contact sheet PNG. Default: contact-sheet.png in the demo's work folder." };
        var framesDir = new Option<DirectoryInfo?>("--frames-dir") { Description = "Also write every frame of the three earth formats as PNG under this folder." };
        var command = new Command("demo", "Serve the bundled animations on a loopback server and run them through the whole pipeline: download, decode, cache, play.")
        {
            cacheDir, contactSheet, framesDir,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            // System.CommandLine waits for an interrupted action (up to its ProcessTerminationTimeout) only once the action
            // has handed back its task; a signal before that ends the process at once. Hand it back before anything is
            // created, so an interruption always waits for the clean-up below.
            await Task.Yield();

            // A fresh work folder only for what the user did not place themselves.
            var work = new Lazy<string>(CreateWorkFolder);
            var settings = new DemoSettings(
                parse.GetValue(cacheDir)?.FullName ?? Path.Combine(work.Value, "cache"),
                parse.GetValue(contactSheet)?.FullName ?? Path.Combine(work.Value, "contact-sheet.png"),
                parse.GetValue(framesDir),
                Render: stdoutIsTerminal());
            try
            {
                await RunAsync(settings, stdout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                ExceptionDispatchInfo.Throw(AfterFailure(e, work, cancellationToken));
            }

            return CliApp.Success;
        });

        return command;
    }

    internal static byte[] ReadAsset(string name)
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream($"ImageKit.Cli.Assets.{name}")
            ?? throw new InvalidOperationException($"The demo asset {name} is not embedded in this build.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static async Task RunAsync(DemoSettings settings, TextWriter stdout, CancellationToken cancellationToken)
    {
        ContactSheet.EnsureWritable(settings.ContactSheet); // before anything runs, not after a minute of demo
        FolderOption.EnsureFolderOrNothing("--cache-dir", settings.CacheDirectory);
        if (settings.FramesDirectory is { } frames)
        {
            FolderOption.EnsureFolderOrNothing("--frames-dir", frames.FullName);
        }
        var c = CultureInfo.InvariantCulture;
        await using var server = SampleServer.Start(Samples, ReadAsset);
        var urls = Samples.Select(server.Url).ToList();
        await stdout.WriteLineAsync(string.Create(c, $"ImageKit demo: {Samples.Length} bundled animations from a loopback server, through download → decode → cache → play.")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"  server  {server.BaseAddress}")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"  cache   {TerminalText.Printable(settings.CacheDirectory)}")).ConfigureAwait(false);

        FetchSummary cold, hot, warm;
        await using (var manager = FetchCommand.CreateManager(settings.CacheDirectory, concurrency: 6))
        {
            cold = await FetchRunner.RunAsync(manager, urls, 6, null, cancellationToken, s_loadOptions).ConfigureAwait(false);
            await WriteStageAsync(stdout, FirstLoadTitle(cold), cold, server.Requests).ConfigureAwait(false);
            if (cold.Results.FirstOrDefault(static r => r.Failed) is { } failed)
            {
                // Not necessarily the server's fault: the disk cache may have refused the bytes (a full disk).
                throw new CliException(failed.Url, "the demo could not load its own sample: " + failed.Error);
            }

            await PlayOneAsync(manager, server.Url(PlayedSample), settings, stdout, cancellationToken).ConfigureAwait(false);

            var requestsBefore = server.Requests;
            hot = await FetchRunner.RunAsync(manager, urls, 6, null, cancellationToken, s_loadOptions).ConfigureAwait(false);
            await WriteStageAsync(stdout, "3. Same again, same process: memory cache", hot, server.Requests - requestsBefore).ConfigureAwait(false);
            await CompareFormatsAsync(manager, server, settings.FramesDirectory, stdout, cancellationToken).ConfigureAwait(false);
        }

        await using (var fresh = FetchCommand.CreateManager(settings.CacheDirectory, concurrency: 6))
        {
            var requestsBefore = server.Requests;
            warm = await FetchRunner.RunAsync(fresh, urls, 6, null, cancellationToken, s_loadOptions).ConfigureAwait(false);
            await WriteStageAsync(stdout, "5. A new manager on the same cache folder (as after a restart): disk cache", warm, server.Requests - requestsBefore).ConfigureAwait(false);
            if (((ImageCache)fresh.Cache).Disk is { } disk)
            {
                var stats = await disk.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
                await stdout.WriteLineAsync(string.Create(c, $"   disk cache now holds {stats.EntryCount} entries, {stats.TotalBytes:N0} bytes")).ConfigureAwait(false);
            }

            await LoadAvatarsAsync(fresh, urls, server, stdout, cancellationToken).ConfigureAwait(false);
        }

        await stdout.WriteLineAsync().ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"Done: {FirstLoadOutcome(cold)}, then {hot.Count("memory")} memory hits, then {warm.Count("disk")} disk hits after a restart. Contact sheet: {TerminalText.Printable(settings.ContactSheet)}")).ConfigureAwait(false);
        await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    // A --cache-dir kept from an earlier run answers the first load from disk: the title says where the images came from.
    private static string FirstLoadTitle(FetchSummary cold) => (cold.Count("network"), cold.Count("disk")) switch
    {
        ( > 0, 0) => "1. First load: network → decode → disk and memory caches",
        (0, > 0) => "1. First load: disk cache (kept from an earlier run) → decode → memory cache",
        _ => "1. First load: network, or disk cache kept from an earlier run → decode → caches",
    };

    private static string FirstLoadOutcome(FetchSummary cold)
    {
        var c = CultureInfo.InvariantCulture;
        var (network, disk) = (cold.Count("network"), cold.Count("disk"));
        return (network, disk) switch
        {
            (_, 0) => string.Create(c, $"{network} downloaded"),
            (0, _) => string.Create(c, $"{disk} from disk (kept from an earlier run)"),
            _ => string.Create(c, $"{network} downloaded and {disk} from disk (kept from an earlier run)"),
        };
    }

    // Stage 6: variants of every sample made from the disk copies, without a download: a 48-pixel round avatar each
    // (thumbnail decoding, then resize and circle transformers, every frame). Each is its own memory-cache entry.
    private static async Task LoadAvatarsAsync(ImageManager manager, List<Uri> urls, SampleServer server, TextWriter stdout, CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        var avatar = s_loadOptions with
        {
            ThumbnailPixelSize = new System.Drawing.Size(96, 96),
            Transformers = [new ResizeTransformer(new System.Drawing.Size(48, 48), ResizeMode.Fill), new CircleTransformer()],
        };
        var requestsBefore = server.Requests;
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("6. Round 48-pixel avatars of each, from the disk copies (thumbnail + ResizeTransformer + CircleTransformer)");
        foreach (var url in urls)
        {
            using var result = await manager.LoadImageAsync(url, avatar, cancellationToken: cancellationToken).ConfigureAwait(false);
            using (result.Image.GetFrame(result.Image.FrameCount - 1))
            {
                // The last frame drawn too: every frame of an animation goes through the transformers.
            }

            var name = url.AbsolutePath[(url.AbsolutePath.LastIndexOf('/') + 1)..];
            text.AppendLine(c, $"   {name,-13} {result.Source.ToString().ToLowerInvariant(),-8} {result.Image.PixelWidth} x {result.Image.PixelHeight}  {result.Image.FrameCount,3} frames");
        }

        text.AppendLine(c, $"   {urls.Count} variants; HTTP requests to the server: {server.Requests - requestsBefore}");
        await stdout.WriteAsync(text.ToString()).ConfigureAwait(false);
    }

    private static async Task PlayOneAsync(ImageManager manager, Uri url, DemoSettings settings, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var result = await manager.LoadImageAsync(url, s_loadOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync().ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"2. Playing {PlayedSample} (from {result.Source.ToString().ToLowerInvariant()}) through AnimatedImagePlayer on the 60 Hz timer display link, 2 loops")).ConfigureAwait(false);
        var play = new PlayCommand.PlaySettings(Loops: 2, Rate: 1, PlaybackMode.Normal, Seconds: 10, new FileInfo(settings.ContactSheet), settings.Render, StatsJson: false);
        var stats = await PlayCommand.PlayAsync(result.Image, play, stdout, cancellationToken).ConfigureAwait(false);
        foreach (var line in stats.ToText().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await stdout.WriteLineAsync("   " + line.TrimEnd()).ConfigureAwait(false);
        }

        // Interrupted: what was shown is reported above, but a sheet in the work folder goes with the folder, so the
        // path is not shown; the interruption is the news (exit 130).
        cancellationToken.ThrowIfCancellationRequested();
        await stdout.WriteLineAsync("   contact sheet of the frames shown: " + TerminalText.Printable(settings.ContactSheet)).ConfigureAwait(false);
    }

    private static async Task WriteStageAsync(TextWriter stdout, string title, FetchSummary summary, int requests)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(title);
        foreach (var r in summary.Results)
        {
            var name = r.Url[(r.Url.LastIndexOf('/') + 1)..];
            text.AppendLine(c, $"   {name,-13} {r.Source,-8} {r.Bytes,9:N0} bytes  {r.FrameCount,3} frames{(r.Error is null ? "" : "  " + r.Error)}");
        }

        text.AppendLine(c, $"   {summary.Results.Count} images in {summary.ElapsedText}; HTTP requests to the server: {requests}");
        await stdout.WriteAsync(text.ToString()).ConfigureAwait(false);
    }

    private sealed record DemoSettings(string CacheDirectory, string ContactSheet, DirectoryInfo? FramesDirectory, bool Render);
}
