using AppKit;
using Demo.Mac.Portable;
using Foundation;
using ImageKit;
using ImageKit.Cli.Demo;

namespace Demo.Mac;

/// <summary>
/// Warms up the shared manager, starts the loopback server with the bundled samples (as <c>imagekit demo</c> does), opens
/// the demo window, and stops both when the app quits.
/// </summary>
[Register("AppDelegate")]
public sealed class AppDelegate : NSApplicationDelegate
{
    // The CLI's Assets folder, embedded under this prefix by Demo.Mac.csproj.
    private const string SamplePrefix = "Demo.Mac.Assets.";

    private SampleServer? _server;
    private DemoWindow? _window;

    /// <summary>Starts the server and shows the window.</summary>
    public override void DidFinishLaunching(NSNotification notification)
    {
        // While the server starts and the window is built, the load path is compiled on the thread pool (not awaited).
        _ = ImageManager.Shared.WarmUpAsync();
        var samples = new DemoSamples(typeof(AppDelegate).Assembly, SamplePrefix);
        _server = SampleServer.Start(samples.Names, samples.Read);
        _window = new DemoWindow([.. samples.Names.Select(_server.Url)]);
        _window.Show();
        NSApplication.SharedApplication.ActivateIgnoringOtherApps(true);
    }

    /// <summary>Disposes the window (its views, players and images) and stops the server.</summary>
    public override void WillTerminate(NSNotification notification)
    {
        _window?.Dispose();
        _window = null;

        // Stopping HttpListener is quick; the app is quitting, so waiting on the main thread is acceptable here.
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server = null;
    }

    /// <summary>Closing the window quits the demo.</summary>
    public override bool ApplicationShouldTerminateAfterLastWindowClosed(NSApplication sender) => true;
}
