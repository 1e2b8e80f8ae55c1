using AppKit;
using CoreGraphics;
using Foundation;

namespace Demo.Mac;

/// <summary>
/// Opens the demo window. For now a minimal window; the grid of animated images arrives with the player and the views
/// (the logic lives in the portable ImageKit library, this file stays thin AppKit glue).
/// </summary>
[Register("AppDelegate")]
public sealed class AppDelegate : NSApplicationDelegate
{
    private NSWindow? _window;

    public override void DidFinishLaunching(NSNotification notification)
    {
        _window = new NSWindow(
            new CGRect(0, 0, 720, 480),
            NSWindowStyle.Titled | NSWindowStyle.Closable | NSWindowStyle.Resizable | NSWindowStyle.Miniaturizable,
            NSBackingStore.Buffered,
            deferCreation: false)
        {
            Title = "ImageKit Demo",
        };

        var label = NSTextField.CreateLabel($"ImageKit {typeof(ImageKit.Decoding.AnimatedImage).Assembly.GetName().Version}");
        label.Frame = new CGRect(24, 420, 600, 24);
        _window.ContentView!.AddSubview(label);
        _window.Center();
        _window.MakeKeyAndOrderFront(this);
        NSApplication.SharedApplication.ActivateIgnoringOtherApps(true);
    }

    public override bool ApplicationShouldTerminateAfterLastWindowClosed(NSApplication sender) => true;
}
