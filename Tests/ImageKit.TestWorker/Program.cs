using System.Globalization;
using ImageKit.Caching;
using ImageKit.TestWorker;

// Usage:
//   write DIR PREFIX COUNT KEYS [INLINE]
//                                 writes COUNT entries (0 = until killed) cycling over KEYS keys (0 = a new key each
//                                 time), printing "ok I T" after each committed write (T: the UTC ticks when its
//                                 SetAsync began, a clock every process shares); INLINE sets MaxInlineBytes
//   mixed DIR PREFIX COUNT        writes COUNT new keys, reading back earlier ones of its own as it goes; exit 3 on a
//                                 wrong or missing entry
//   read DIR KEY SECONDS          reads KEY once (recording an access), prints "ok 0", then stays open SECONDS seconds
//                                 and exits 0
//   starved DIR KEY 0             reads KEY, then caps SQLite's heap below what it uses (a real allocation failure, as in a
//                                 process out of memory), prints one line per cache call made under the cap ("get: …",
//                                 "open: …", "set: …": "ok" or the exception's type and message), lifts the cap, and
//                                 prints "after: ok" when KEY is still there
//   no-fds DIR KEY 0              reads KEY, then lets the process open no more files (RLIMIT_NOFILE lowered and filled
//                                 with /dev/null, a real "too many open files"), prints "exhausted: …" (the outcome of
//                                 opening a file then), "get: …" ("hit", "missing" or the
//                                 exception's type and message) for a read of KEY, frees the descriptors, and prints
//                                 "after: ok" when KEY is still there (Linux and macOS). Only that read runs out of
//                                 descriptors: the runtime itself ends the process ("Out of memory.") when it cannot
//                                 start a thread then, as opening a second cache makes it do.
//   random DIR ACTOR SEED OPS INLINE MAXSIZE GO
//                                 opens the cache with those MaxInlineBytes and MaxSizeBytes, prints "ready", waits for
//                                 the file GO to exist, runs OPS seeded random operations (RandomCacheOperations) as
//                                 actor ACTOR, prints "last KEY GENERATION" (or "last KEY -") for each of its private
//                                 keys and "done MS COUNTS"; exit 3 with the finding on stderr
//   first-load-jit URL warm|cold  loads URL through a new ImageManager (after WarmUpAsync with "warm") and prints
//                                 "compiled N source=S": the methods compiled during that first load
//   shared HOME URL               with HOME (and XDG_CACHE_HOME = HOME/.cache) set, loads URL through ImageManager.Shared
//                                 and prints "loaded FRAMES disk=FOLDER" (or "disk=none"); an exception ends the process
//   default-dir HOME              with HOME set and XDG_CACHE_HOME unset, prints DiskImageCache.DefaultDirectory
if (args is ["first-load-jit", var jitUrl, var warm])
{
    // How many methods the runtime compiles for the first load of a fresh process, after a warm-up or without one.
    await using var manager = new ImageKit.ImageManager();
    if (warm == "warm")
    {
        await manager.WarmUpAsync();
    }

    FirstLoadStarts(); // a marker in DOTNET_JitStdOutFile listings: what is compiled after it is the first load's
    var before = System.Runtime.JitInfo.GetCompiledMethodCount();
    using (var first = await manager.LoadImageAsync(new Uri(jitUrl)))
    using (first.Image.GetFrame(0))
    {
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - before;
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"compiled {compiled} source={first.Source}"));
    }

    return 0;
}

if (args is ["default-dir", var userHome])
{
    Environment.SetEnvironmentVariable("HOME", userHome);
    Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
    await Console.Out.WriteLineAsync(DiskImageCache.DefaultDirectory);
    return 0;
}

if (args is ["shared", var home, var sharedUrl])
{
    Environment.SetEnvironmentVariable("HOME", home);
    Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(home, ".cache"));
    var shared = ImageKit.ImageManager.Shared;
    using var loaded = await shared.LoadImageAsync(new Uri(sharedUrl));
    var disk = (shared.Cache as ImageCache)?.Disk?.Directory ?? "none";
    await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"loaded {loaded.Image.FrameCount} disk={disk}"));
    return 0;
}

if (args is ["random", var randomDirectory, var actor, var seed, var operations, var inline, var maxSize, var go])
{
    using var randomCache = new DiskImageCache(new DiskImageCacheOptions
    {
        Directory = randomDirectory,
        MaxInlineBytes = int.Parse(inline, CultureInfo.InvariantCulture),
        MaxSizeBytes = long.Parse(maxSize, CultureInfo.InvariantCulture),
    });
    var actions = new RandomCacheOperations(randomCache, int.Parse(actor, CultureInfo.InvariantCulture), int.Parse(seed, CultureInfo.InvariantCulture));
    await Console.Out.WriteLineAsync("ready");
    await Console.Out.FlushAsync();
    while (!File.Exists(go))
    {
        await Task.Delay(2);
    }

    var clock = System.Diagnostics.Stopwatch.StartNew();
    if (await actions.RunAsync(int.Parse(operations, CultureInfo.InvariantCulture)) is { } finding)
    {
        await Console.Error.WriteLineAsync(finding);
        return 3;
    }

    foreach (var (key, generation) in actions.LastWrites)
    {
        await Console.Out.WriteLineAsync($"last {key} {generation?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
    }

    await Console.Out.WriteLineAsync($"done {clock.ElapsedMilliseconds} ms: " + string.Join(' ', actions.Counts.Select(c => $"{c.Key}={c.Value}")));
    return 0;
}

if (args.Length < 4)
{
    await Console.Error.WriteLineAsync("usage: write DIR PREFIX COUNT KEYS | mixed DIR PREFIX COUNT");
    return 2;
}

var directory = args[1];
var prefix = args[2];
var count = int.Parse(args[3], CultureInfo.InvariantCulture);
var options = new DiskImageCacheOptions { Directory = directory, MaxAge = TimeSpan.Zero };
if (args[0] == "write" && args.Length > 5)
{
    options.MaxInlineBytes = int.Parse(args[5], CultureInfo.InvariantCulture);
}

using var cache = new DiskImageCache(options);
var output = Console.Out;

if (args[0] == "read")
{
    var found = await cache.GetAsync(prefix);
    await output.WriteLineAsync(found is null ? "missing" : "ok 0");
    await output.FlushAsync();
    await Task.Delay(TimeSpan.FromSeconds(count));
    return 0;
}

if (args[0] == "write")
{
    var keys = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 0;
    for (var i = 0; count == 0 || i < count; i++)
    {
        var key = prefix + (keys > 0 ? i % keys : i).ToString(CultureInfo.InvariantCulture);
        var started = DateTime.UtcNow.Ticks;
        await cache.SetAsync(key, WorkerContent.Create(key, i));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"ok {i} {started}"));
        await output.FlushAsync();
    }

    return 0;
}

if (args[0] == "starved")
{
    if (await cache.GetAsync(prefix) is null)
    {
        await Console.Error.WriteLineAsync($"{prefix}: missing before the cap");
        return 3;
    }

    // Below what it uses: every allocation fails until the cap is lifted, whatever was freed meanwhile.
    SQLitePCL.raw.sqlite3_hard_heap_limit64(1);
    await output.WriteLineAsync("get: " + await OutcomeAsync(async () => await cache.GetAsync(prefix)));
    await output.WriteLineAsync("open: " + await OutcomeAsync(() =>
    {
        new DiskImageCache(new DiskImageCacheOptions { Directory = directory }).Dispose();
        return Task.CompletedTask;
    }));
    await output.WriteLineAsync("set: " + await OutcomeAsync(() => cache.SetAsync(prefix + "-new", WorkerContent.Create(prefix, 1))));
    SQLitePCL.raw.sqlite3_hard_heap_limit64(0);
    await output.WriteLineAsync(await cache.GetAsync(prefix) is null ? "after: missing" : "after: ok");
    return 0;
}

if (args[0] == "no-fds")
{
    if (await cache.GetAsync(prefix) is null)
    {
        await Console.Error.WriteLineAsync($"{prefix}: missing before the descriptors ran out");
        return 3;
    }

    // Whatever the runtime would load lazily later (the console, exception messages) is loaded now, while it can open files.
    await output.WriteLineAsync("before: " + await OutcomeAsync(() => { File.OpenHandle(Path.Combine(directory, "none")).Dispose(); return Task.CompletedTask; }));
    await output.FlushAsync();
    string outcome;
    using (var exhaustion = DescriptorExhaustion.Begin())
    {
        await output.WriteLineAsync("exhausted: " + await OutcomeAsync(() => { File.OpenHandle(Path.Combine(directory, "index.sqlite")).Dispose(); return Task.CompletedTask; }));
        try
        {
            outcome = await cache.GetAsync(prefix) is null ? "missing" : "hit";
        }
        catch (Exception e)
        {
            outcome = $"{e.GetType().Name}: {e.Message}";
        }
    }

    await output.WriteLineAsync("get: " + outcome);
    await output.WriteLineAsync(await cache.GetAsync(prefix) is null ? "after: missing" : "after: ok");
    return 0;
}

var random = new Random(prefix.GetHashCode(StringComparison.Ordinal));
for (var i = 0; i < count; i++)
{
    var key = prefix + i.ToString(CultureInfo.InvariantCulture);
    await cache.SetAsync(key, WorkerContent.Create(key, i));
    var earlier = prefix + random.Next(i + 1).ToString(CultureInfo.InvariantCulture);
    var entry = await cache.GetAsync(earlier);
    if (entry is null || !WorkerContent.IsValid(earlier, entry.Data))
    {
        await Console.Error.WriteLineAsync($"{earlier}: {(entry is null ? "missing" : "wrong bytes")}");
        return 3;
    }
}

await output.WriteLineAsync("done");
return 0;

static async Task<string> OutcomeAsync(Func<Task> call)
{
    try
    {
        await call();
        return "ok";
    }
    catch (Exception e)
    {
        return $"{e.GetType().Name}: {e.Message}";
    }
}

[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
static void FirstLoadStarts()
{
}
