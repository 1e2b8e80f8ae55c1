using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A folder of what a user might point the CLI at — good images, damaged and empty files, a folder of their own files,
/// paths that do not exist, a loopback server's good and bad answers — and random command lines over it for <see cref="RandomCommandLineTests"/>. The files made
/// here are the user's: no command may change or remove them. Output goes to paths under <c>out/</c> and to the caches.
/// </summary>
internal sealed class CommandLineWorld
{
    private static readonly string[] s_ints = ["0", "1", "-1", "3", "2147483647", "2147483648", "-2147483648", "abc", "", "1.5", "0x10", " 2", "+4", "\u0661"];
    private static readonly string[] s_numbers = ["0", "1", "0.5", "-1", "1e308", "-1e308", "NaN", "Infinity", "-Infinity", "1e-300", "abc", "", "2,5", "0.0001", "1000"];
    private static readonly string[] s_modes = ["normal", "reverse", "bounce", "reversed-bounce", "BOUNCE", "", "sideways", "play"];
    private static readonly string[] s_sizes = ["0", "1", "100", "1KB", "10MB", "-5", "abc", "1e20", "99999999999999999999", "", "5 MB"];
    private static readonly string[] s_ages = ["0", "1", "0.5", "-1", "NaN", "Infinity", "1e308", "abc", ""];
    private static readonly string[] s_words = ["inspect", "play", "fetch", "cache", "stats", "clear", "trim", "demo", "--json", "--help", "-h", "--version", "--", "-", "--loops", "--cache-dir", "\u001b[2J", "%s%n"];

    private readonly string[] _inputs;
    private readonly string[] _folders;
    private readonly string[] _lists;
    private int _outputs;

    private CommandLineWorld(string root, string[] userFiles, string[] inputs, string[] folders, string[] lists)
    {
        Root = root;
        UserFiles = userFiles;
        _inputs = inputs;
        _folders = folders;
        _lists = lists;
    }

    public string Root { get; }

    /// <summary>Files that were there before the CLI ran, which it must leave as they are.</summary>
    public IReadOnlyList<string> UserFiles { get; }

    /// <param name="folder">Where the user's files are made.</param>
    /// <param name="serverUrls">URLs of a loopback server (good and bad answers) to use as inputs too.</param>
    public static CommandLineWorld Create(TempFolder folder, IEnumerable<Uri> serverUrls)
    {
        string Write(string name, byte[] bytes)
        {
            var path = folder.Combine(name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        var gif = Corpus.Read("animated-red-blue.gif");
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        var files = new[]
        {
            Write("ok.gif", gif),
            Write("ok.webp", Corpus.Read("TestImageAnimated.webp")),
            Write("ok.apng", Corpus.Read("animated-red-blue.apng")),
            Write("still.png", Corpus.Read("TestImage.png")),
            Write("truncated.gif", gif[..(gif.Length / 2)]),
            Write("empty.gif", []),
            Write("garbage.bin", garbage),
            Write("notes.txt", "not an image\n"u8.ToArray()),
            Write("mine/notes.txt", "the user's notes\n"u8.ToArray()),
            Write("mine/photo.jpg", Corpus.Read("TestImage.jpg")),
            Write("list.txt", System.Text.Encoding.UTF8.GetBytes(string.Join('\n',
                "# a list with good, bad and odd lines",
                new Uri(folder.Combine("ok.gif")).AbsoluteUri,
                new Uri(folder.Combine("truncated.gif")).AbsoluteUri,
                "not-a-url",
                "http://127.0.0.1:1/refused.gif",
                "",
                new Uri(folder.Combine("ok.webp")).AbsoluteUri))),
        };
        Directory.CreateDirectory(folder.Combine("empty-folder"));
        var missing = folder.Combine("missing", "nothing.gif");
        string[] inputs =
        [
            files[0], files[0], files[1], files[1], files[2], files[3], files[4], files[5], files[6], files[7], folder.Combine("mine"), folder.Combine("empty-folder"),
            missing, "", "-", "/dev/null", folder.Combine(new string('a', 300) + ".gif"), folder.Combine("\u001b[2J.gif"),
            new Uri(files[0]).AbsoluteUri, new Uri(files[4]).AbsoluteUri, new Uri(missing).AbsoluteUri, "file:///dev/null",
            "http://127.0.0.1:1/refused.gif", "https://", "http://[::1", "not-a-url", "ftp://example.invalid/x.gif",
            "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
            .. serverUrls.Select(u => u.AbsoluteUri),
        ];
        var folders = new[]
        {
            folder.Combine("cache"), folder.Combine("cache"), folder.Combine("mine"), folder.Combine("empty-folder"), files[0],
            folder.Combine("missing", "deeper", "cache"), "", folder.Combine(new string('b', 300)),
        };
        var lists = new[] { files[10], files[10], files[6], files[5], folder.Combine("mine"), missing, "/dev/null", "" };
        return new CommandLineWorld(folder.Path, files, inputs, folders, lists);
    }

    /// <summary>How long a <c>play</c> may run before the test stops it (<see langword="null"/> for other commands).</summary>
    public static TimeSpan? PlayTimeLimit(string[] args) => args.Contains("play") ? TimeSpan.FromSeconds(2) : null;

    public string[] NextCommandLine(Random random)
    {
        var args = new List<string>();
        switch (random.Next(12))
        {
            case 0 or 1 or 2:
                args.AddRange(["inspect", Pick(random, _inputs)]);
                Maybe(random, args, 0.4, "--json");
                Maybe(random, args, 0.25, "--frames-dir", Pick(random, [.. _folders, OutputPath("frames")]));
                break;
            case 3 or 4 or 5:
                args.AddRange(["play", Pick(random, _inputs)]);
                Maybe(random, args, 0.3, "--loops", Pick(random, s_ints));
                Maybe(random, args, 0.3, "--rate", Pick(random, s_numbers));
                Maybe(random, args, 0.3, "--mode", Pick(random, s_modes));
                args.AddRange(["--seconds", random.NextDouble() < 0.8 ? "0.2" : Pick(random, s_numbers)]);
                Maybe(random, args, 0.3, "--contact-sheet", Pick(random, [OutputPath("sheet.png"), Root + "/empty-folder", Root + "/missing/x/sheet.png", ""]));
                Maybe(random, args, 0.5, random.Next(2) == 0 ? "--no-render" : "--render");
                Maybe(random, args, 0.3, "--stats-json");
                break;
            case 6 or 7 or 8:
                args.Add("fetch");
                for (var i = random.Next(4); i > 0; i--)
                {
                    args.Add(Pick(random, _inputs));
                }

                Maybe(random, args, 0.4, "--list", Pick(random, _lists));
                Maybe(random, args, 0.3, "--concurrency", Pick(random, s_ints));
                Maybe(random, args, 0.4, "--json");
                args.AddRange(["--cache-dir", Pick(random, _folders)]); // never the user's real cache folder
                break;
            case 9 or 10:
                args.AddRange(["cache", Pick(random, ["stats", "clear", "trim", "trim", "purge"]), "--cache-dir", Pick(random, _folders)]);
                Maybe(random, args, 0.5, "--max-size", Pick(random, s_sizes));
                Maybe(random, args, 0.5, "--max-age", Pick(random, s_ages));
                Maybe(random, args, 0.4, "--json");
                break;
            default:
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    args.Add(Pick(random, s_words));
                }

                break;
        }

        Mutate(random, args);
        return [.. args];
    }

    // Shuffles options around, drops, repeats or replaces a token, or adds a global option, as a typing user might.
    private static void Mutate(Random random, List<string> args)
    {
        if (args.Count > 1 && random.NextDouble() < 0.15)
        {
            args.RemoveAt(random.Next(1, args.Count));
        }

        if (random.NextDouble() < 0.1)
        {
            args.Insert(random.Next(args.Count + 1), args[random.Next(args.Count)]);
        }

        if (args.Count > 2 && random.NextDouble() < 0.1)
        {
            var (a, b) = (random.Next(1, args.Count), random.Next(1, args.Count));
            (args[a], args[b]) = (args[b], args[a]);
        }

        if (args.Count > 1 && random.NextDouble() < 0.05)
        {
            // A command's name where a value belongs: the parser types such a token differently ("play --mode play").
            args[random.Next(1, args.Count)] = random.Next(2) == 0 ? args[0] : Pick(random, ["inspect", "play", "fetch", "cache", "demo"]);
        }

        if (random.NextDouble() < 0.08)
        {
            args.Insert(random.Next(args.Count + 1), random.Next(3) switch { 0 => "--verbose", 1 => "--metrics", _ => "--" });
        }
    }

    private static void Maybe(Random random, List<string> args, double probability, params string[] tokens)
    {
        if (random.NextDouble() < probability)
        {
            args.AddRange(tokens);
        }
    }

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    private string OutputPath(string name) => Path.Combine(Root, "out", $"{Interlocked.Increment(ref _outputs)}-{name}");
}
