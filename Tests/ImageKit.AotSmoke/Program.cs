using System.Diagnostics;
using System.Globalization;
using ImageKit;
using ImageKit.Animation;
using ImageKit.Caching;
using ImageKit.Display;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Usage: ImageKit.AotSmoke URL CACHE-FOLDER
// Loads URL through the whole pipeline (network, decode, disk and memory cache), again from the disk in a new manager,
// through DI configured from IConfiguration, then plays the image on a timer display link, and warms up a manager. Prints one line per step
// and "ok"; anything that fails ends the process with the exception (exit code not 0).
if (args is not [var address, var folder])
{
    await Console.Error.WriteLineAsync("usage: ImageKit.AotSmoke URL CACHE-FOLDER");
    return 2;
}

var url = new Uri(address);
var clock = Stopwatch.StartNew();
var cacheOptions = new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder } };
await using (var manager = new ImageManager(cacheOptions))
{
    using var loaded = await manager.LoadImageAsync(url);
    using var frame = loaded.Image.GetFrame(0);
    Print($"network {loaded.Source} {loaded.Image.Format} {loaded.Image.PixelWidth}x{loaded.Image.PixelHeight} frames={loaded.Image.FrameCount} first-image-ms={clock.ElapsedMilliseconds}");
    using var thumbnail = await manager.LoadImageAsync(url, new ImageLoadOptions { ThumbnailPixelSize = new System.Drawing.Size(16, 16) });
    Print($"thumbnail {thumbnail.Source} {thumbnail.Image.PixelWidth}x{thumbnail.Image.PixelHeight}");
    await manager.WaitForDiskStoresAsync();
}

await using (var relaunched = new ImageManager(cacheOptions))
{
    using var hit = await relaunched.LoadImageAsync(url);
    Print($"relaunch {hit.Source}");
}

var configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ImageKit:DiskCache:Folder"] = folder,
        ["ImageKit:DiskCache:OpenInBackground"] = "true",
        ["ImageKit:Downloader:MaxConcurrentDownloads"] = "2",
    })
    .Build();
var services = new ServiceCollection().AddImageKit(configuration.GetSection("ImageKit")).BuildServiceProvider();
await using (services)
{
    var fromServices = services.GetRequiredService<ImageManager>();
    using var injected = await fromServices.LoadImageAsync(url);
    Print($"di {injected.Source}");

    using var player = new AnimatedImagePlayer(injected.Image, new AnimatedImagePlayerOptions { DisplayLinkProvider = new TimerDisplayLinkProvider(120) });
    var changes = 0;
    var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    player.FrameChanged += (_, _) =>
    {
        if (Interlocked.Increment(ref changes) >= 3)
        {
            enough.TrySetResult();
        }
    };
    player.Play();
    if (injected.Image.FrameCount > 1)
    {
        await enough.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    player.Stop();
    Print($"played frame-changes={Volatile.Read(ref changes)}");
}

// The warm-up runs its loads from memory through throwaway components; a step that fails is logged (event 1010), not thrown.
var skipped = new WarmUpSkips();
await using (var warmed = new ImageManager(options: new ImageManagerOptions { LoggerFactory = skipped }))
{
    await warmed.WarmUpAsync();
    Print($"warm-up skipped={skipped.Count}");
}

Print("ok");
return 0;

static void Print(string line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));

/// <summary>Counts the warm-up's skipped steps (event 1010) in whatever logs to it.</summary>
internal sealed class WarmUpSkips : ILoggerFactory, ILogger
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == 1010)
        {
            Interlocked.Increment(ref _count);
            Console.Error.WriteLine(formatter(state, exception));
        }
    }

    public void Dispose()
    {
    }
}
