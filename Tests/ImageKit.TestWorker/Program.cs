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
