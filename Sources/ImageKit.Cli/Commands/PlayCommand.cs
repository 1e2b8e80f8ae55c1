using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ImageKit.Animation;
using ImageKit.Cli.Diagnostics;
using ImageKit.Cli.Input;
using ImageKit.Cli.Rendering;
using ImageKit.Decoding;
using ImageKit.Display;

namespace ImageKit.Cli.Commands;

/// <summary>
/// <c>imagekit play</c>: plays an image through the real <see cref="AnimatedImagePlayer"/> on a timer display link, draws it
/// on the terminal, and reports what happened.
/// </summary>
internal static class PlayCommand
{
    private static readonly Dictionary<string, PlaybackMode> s_modes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["normal"] = PlaybackMode.Normal,
        ["reverse"] = PlaybackMode.Reverse,
        ["bounce"] = PlaybackMode.Bounce,
        ["reversed-bounce"] = PlaybackMode.ReversedBounce,
    };

    public static Command Create(TextWriter stdout, Func<bool> stdoutIsTerminal)
    {
        var input = new Argument<string>("file-or-url") { Description = "An image file, an http(s), file: or data: URL, or - for standard input." };
        var loops = new Option<string?>("--loops") { Description = "How many times to play the animation (0 = forever). Default: the image's own loop count." };
        var rate = new Option<double>("--rate") { Description = $"Speed: 1 normal, 0.5 half, 2 double; above 0, at most {AnimatedImagePlayer.MaxPlaybackRate.ToString(CultureInfo.InvariantCulture)}.", DefaultValueFactory = _ => 1.0, CustomParser = result => ParseDecimal(result) ?? 0 };
        var mode = new Option<string>("--mode") { Description = "How the frames advance: normal (forward), reverse (backward), bounce (forward then back) or reversed-bounce (backward then forward).", DefaultValueFactory = _ => "normal" };
        mode.AcceptOnlyFromAmong([.. s_modes.Keys]);
        var seconds = new Option<double?>("--seconds") { Description = string.Create(CultureInfo.InvariantCulture, $"Stop after this many seconds of real time (at most {MaxSeconds:N0}). Default: until the loops end."), CustomParser = ParseDecimal };
        var contactSheet = new Option<FileInfo?>("--contact-sheet") { Description = "Write the frames actually shown as a PNG grid to this file. Default: none." };
        var noRender = new Option<bool>("--no-render") { Description = "Do not draw the animation, even on a terminal (when stdout is not one, nothing is drawn anyway)." };
        var render = new Option<bool>("--render") { Description = "Draw the animation even when stdout is not a terminal (24-bit colour ANSI escape codes). Not with --stats-json." };
        var statsJson = new Option<bool>("--stats-json") { Description = "Print the statistics as one JSON object instead of text." };
        var header = RequestHeaders.CreateOption("the request when the input is an http(s) URL");

        var command = new Command("play", "Play an animated image on the terminal through the real player and display link.")
        {
            input, loops, rate, mode, seconds, contactSheet, noRender, render, statsJson, header,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = parse.GetRequiredValue(input);

            // The parser's AcceptOnlyFromAmong lets through a value that is a command's name ("--mode play"): checked here too.
            var modeName = parse.GetRequiredValue(mode);
            if (!s_modes.TryGetValue(modeName, out var playbackMode))
            {
                throw new CliException("--mode", $"must be one of {string.Join(", ", s_modes.Keys)}, not '{modeName}'");
            }

            if (parse.GetValue(render) && parse.GetValue(noRender))
            {
                throw CliException.Usage("--render and --no-render cannot be given together");
            }

            if (parse.GetValue(render) && parse.GetValue(statsJson))
            {
                // The drawing goes to stdout, where --stats-json promises exactly one JSON object and nothing else.
                throw CliException.Usage("--render and --stats-json cannot be given together (both write to stdout)");
            }

            var settings = new PlaySettings(
                parse.GetValue(loops) is { } loopText
                    ? (int)NumberOption.Whole("--loops", loopText, 0, int.MaxValue, "a whole number", string.Create(CultureInfo.InvariantCulture, $"between 0 (forever) and {int.MaxValue:N0}"))
                    : null,
                parse.GetValue(rate),
                playbackMode,
                parse.GetValue(seconds),
                parse.GetValue(contactSheet),
                Render: !parse.GetValue(noRender) && (parse.GetValue(render) || (stdoutIsTerminal() && !parse.GetValue(statsJson))),
                parse.GetValue(statsJson));
            settings.Validate();
            if (settings.ContactSheet is { } sheetFile && IsSameFile(source, sheetFile.FullName))
            {
                throw new CliException(sheetFile.FullName, "cannot write the contact sheet over the image being played");
            }

            var headers = RequestHeaders.Parse(parse.GetValue(header) ?? []);

            var bytes = await InputReader.ReadAsync(source, headers, cancellationToken).ConfigureAwait(false);
            using var image = AnimatedImage.Decode(bytes, new ImageDecodeOptions { SourceName = InputReader.DisplayName(source) });
            var stats = await PlayAsync(image, settings, stdout, cancellationToken).ConfigureAwait(false);
            await stdout.WriteAsync(settings.StatsJson ? stats.ToJson() : stats.ToText()).ConfigureAwait(false);
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);

            // Interrupted (Ctrl-C, SIGTERM): what was shown is reported above, but the run did not end by itself, and
            // says so as every command does: exit 130, "imagekit: cancelled".
            cancellationToken.ThrowIfCancellationRequested();
            return CliApp.Success;
        });

        return command;
    }

    internal static async Task<PlayStats> PlayAsync(AnimatedImage image, PlaySettings settings, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var links = new TimerDisplayLinkProvider();
        var link = links.GetDisplayLink();
        var jitter = new TickJitterMeter(link.RefreshPeriod);
        using var jitterSubscription = link.Subscribe(jitter);
        using var sheet = settings.ContactSheet is null ? null : new ContactSheet();
        using var frameReady = new SemaphoreSlim(0, 1);
        using var finished = new CancellationTokenSource();

        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, MeterFactory = CliDiagnostics.Current.MeterFactory })
        {
            PlaybackRate = settings.Rate,
            PlaybackMode = settings.Mode,
            TotalLoopCount = settings.Loops ?? image.LoopCount,
        };
        player.FrameChanged += (_, e) =>
        {
            sheet?.Add(e.Frame);
            if (frameReady.CurrentCount == 0)
            {
                frameReady.Release();
            }
        };
        player.Finished += (_, _) => finished.Cancel();

        // Loops without a single frame shown while as many decodes failed as there are frames: nothing of the animation
        // decodes (corrupt data). Playing on would skip frames for ever; stop and report the decoder's error instead.
        // Loops alone prove nothing: one shorter than decoding a frame (a large canvas, short delays, a high rate) passes
        // before the first frame is ready.
        var undecodable = 0;
        player.LoopCompleted += (_, _) =>
        {
            var statistics = player.Statistics;
            if (statistics.FramesShown == 0 && statistics.DecodeErrors >= image.FrameCount && Interlocked.Exchange(ref undecodable, 1) == 0)
            {
                finished.Cancel();
            }
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, finished.Token);
        if (settings.Seconds is { } limit)
        {
            stop.CancelAfter(TimeSpan.FromSeconds(limit));
        }

        var renderer = settings.Render ? new TerminalRenderer(stdout, TerminalColumns(), TerminalRows()) : null;
        var watch = Stopwatch.StartNew();
        player.Play();
        if (!image.IsAnimated)
        {
            // A still shows its one frame (decoded by the worker) and is done; interrupted before that, it reports what
            // it showed (nothing), as an animation does.
            try
            {
                (await FirstFrameAsync(player, cancellationToken).ConfigureAwait(false)).Dispose();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }

            await finished.CancelAsync().ConfigureAwait(false);
        }

        // The display-link thread only signals; this thread does the slow terminal output, so drawing never delays a tick.
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await frameReady.WaitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (renderer is not null)
            {
                using var frame = player.GetCurrentFrame();
                if (frame is not null)
                {
                    renderer.Draw(frame);
                }
            }

            // Shrunk here, off the display link's thread, as they come: not all held at full size until the end.
            sheet?.Compact();
        }

        if (renderer is not null && !image.IsAnimated && !cancellationToken.IsCancellationRequested)
        {
            using var frame = await FirstFrameAsync(player, cancellationToken).ConfigureAwait(false);
            renderer.Draw(frame);
        }

        player.Pause();
        watch.Stop();
        if (Volatile.Read(ref undecodable) != 0)
        {
            ThrowIfFirstFrameFails(image);

            // Frame 0 decoding after all (the failures were elsewhere) still means no frame was ever shown.
            throw new ImageDecodingException("no frame of the animation could be decoded");
        }

        if (image.IsAnimated && !cancellationToken.IsCancellationRequested && player.Statistics is { FramesShown: 0, DecodeErrors: > 0 })
        {
            // The loops ended (or the time ran out) before the failures added up: a first frame that does not decode is
            // still the news.
            ThrowIfFirstFrameFails(image);
        }

        var statistics = player.Statistics;
        var (p50, p99, _) = jitter.Percentiles();
        if (sheet is not null)
        {
            // Interrupted before any frame was shown: the news is the interruption (exit 130), not the empty sheet.
            if (sheet.Count == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!image.IsAnimated && sheet.Count == 0)
            {
                using var still = await FirstFrameAsync(player, cancellationToken).ConfigureAwait(false);
                sheet.Add(still);
            }

            sheet.Save(settings.ContactSheet!.FullName);
        }

        return new PlayStats(
            statistics.FramesShown, statistics.FramesSkipped, statistics.LoopsCompleted, (long)watch.Elapsed.TotalMilliseconds,
            statistics.DecodeMillisecondsP50, statistics.DecodeMillisecondsP99, statistics.BufferPeakBytes, p50, p99,
            sheet?.Count, sheet?.Omitted);
    }

    private static async Task<ImageFrame> FirstFrameAsync(AnimatedImagePlayer player, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            if (player.GetCurrentFrame() is { } frame)
            {
                return frame;
            }

            if (player.Statistics.DecodeErrors > 0)
            {
                // The worker could not decode it: decode it here to report the decoder's own error.
                ThrowIfFirstFrameFails(player.Image);
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        throw new CliException(null, "the first frame did not decode within 5 s");
    }

    // A number with a decimal point only: the parser's own reading also takes a comma as a thousands separator, so a
    // decimal comma ("2,5", as typed in many countries) was read as 25.
    private static double? ParseDecimal(System.CommandLine.Parsing.ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[0].Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        result.AddError($"Cannot parse argument '{text}' for option '{((System.CommandLine.Parsing.OptionResult)result.Parent!).Option.Name}' as a number.");
        return null;
    }

    // Decodes frame 0 only to surface the decoder's own error (ImageDecodingException) when it fails.
    private static void ThrowIfFirstFrameFails(AnimatedImage image) => image.GetFrame(0).Dispose();

    private static int TerminalColumns() => Console.IsOutputRedirected ? 80 : Math.Max(8, Console.WindowWidth - 1);

    private static int TerminalRows() => Console.IsOutputRedirected ? 24 : Math.Max(4, Console.WindowHeight - 12);

    // The longest delay a cancellation timer takes (2^32 - 2 ms).
    private const double MaxSeconds = 4_294_967;

    // Whether the input names the file the contact sheet would replace (InputReader's reading of it), links followed.
    internal static bool IsSameFile(string source, string sheet) =>
        InputReader.LocalPath(source) is { } path
        && string.Equals(Resolve(path), Resolve(sheet), OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);

    internal static string Resolve(string file)
    {
        var full = Path.GetFullPath(file);
        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return full;
        }
    }

    internal sealed record PlaySettings(
        int? Loops, double Rate, PlaybackMode Mode, double? Seconds, FileInfo? ContactSheet, bool Render, bool StatsJson)
    {
        public void Validate()
        {
            if (!(Rate is > 0 and <= AnimatedImagePlayer.MaxPlaybackRate))
            {
                throw new CliException("--rate", $"must be a number above 0 and at most {AnimatedImagePlayer.MaxPlaybackRate.ToString(CultureInfo.InvariantCulture)}, not {Rate.ToString(CultureInfo.InvariantCulture)}");
            }

            if (Seconds is { } s && (!double.IsFinite(s) || s <= 0))
            {
                throw new CliException("--seconds", $"must be a number above 0, not {s.ToString(CultureInfo.InvariantCulture)}");
            }

            if (Seconds > MaxSeconds)
            {
                throw new CliException("--seconds", string.Create(CultureInfo.InvariantCulture, $"must be at most {MaxSeconds:N0} (49 days; leave it out to play until the loops end), not {Seconds}"));
            }

            if (ContactSheet is not null)
            {
                Rendering.ContactSheet.EnsureWritable(ContactSheet.FullName);
            }
        }
    }

    internal sealed record PlayStats(
        long FramesShown, long FramesSkipped, long LoopsCompleted, long ElapsedMs, double DecodeMsP50, double DecodeMsP99,
        long BufferPeakBytes, double TickJitterMsP50, double TickJitterMsP99, int? SheetFrames = null, int? SheetOmitted = null)
    {
        public string ToJson()
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteNumber("framesShown", FramesShown);
                writer.WriteNumber("framesSkipped", FramesSkipped);
                writer.WriteNumber("loopsCompleted", LoopsCompleted);
                writer.WriteNumber("elapsedMs", ElapsedMs);
                writer.WriteNumber("decodeMsP50", Math.Round(DecodeMsP50, 3));
                writer.WriteNumber("decodeMsP99", Math.Round(DecodeMsP99, 3));
                writer.WriteNumber("bufferPeakBytes", BufferPeakBytes);
                writer.WriteNumber("tickJitterMsP50", Math.Round(TickJitterMsP50, 3));
                writer.WriteNumber("tickJitterMsP99", Math.Round(TickJitterMsP99, 3));
                if (SheetFrames is { } sheetFrames)
                {
                    // Only with --contact-sheet: the frames on the sheet, and those shown beyond what a sheet keeps.
                    writer.WriteNumber("contactSheetFrames", sheetFrames);
                    writer.WriteNumber("contactSheetOmitted", SheetOmitted ?? 0);
                }

                writer.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
        }

        public string ToText()
        {
            var c = CultureInfo.InvariantCulture;
            var text = new StringBuilder();
            text.AppendLine(c, $"frames shown     {FramesShown}");
            text.AppendLine(c, $"frames skipped   {FramesSkipped}");
            text.AppendLine(c, $"loops completed  {LoopsCompleted}");
            text.AppendLine(c, $"elapsed          {ElapsedMs} ms");
            text.AppendLine(c, $"decode           p50 {DecodeMsP50:0.000} ms, p99 {DecodeMsP99:0.000} ms");
            text.AppendLine(c, $"buffer peak      {BufferPeakBytes:N0} bytes");
            text.AppendLine(c, $"tick jitter      p50 {TickJitterMsP50:0.000} ms, p99 {TickJitterMsP99:0.000} ms");
            if (SheetOmitted is > 0)
            {
                // The sheet keeps at most ContactSheet.MaxFrames frames: it must not pass for all the frames shown.
                text.AppendLine(c, $"contact sheet    the first {SheetFrames:N0} frames shown; {SheetOmitted:N0} more left out (a sheet keeps at most {Rendering.ContactSheet.MaxFrames:N0})");
            }

            return text.ToString();
        }
    }
}
