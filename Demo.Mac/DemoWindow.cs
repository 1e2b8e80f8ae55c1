using AppKit;
using CoreGraphics;
using Demo.Mac.Portable;
using ImageKit.Mac;
using ImageKit.Views;

namespace Demo.Mac;

/// <summary>
/// The demo's window: a URL field and playback controls on top, a grid of <see cref="AnimatedImageView"/>s, and an
/// overlay with memory, frame-buffer and cache statistics. Thin AppKit glue: what the controls mean, how URLs are read
/// and what the overlay counts live in <c>Portable/</c>, which the tests compile on every platform.
/// </summary>
/// <remarks>Main thread only.</remarks>
internal sealed partial class DemoWindow : IDisposable
{
    private const int Columns = 4;
    private const int Rows = 3;
    private const int Margin = 12; // an int: NFloat converts implicitly from int, not from double

    private readonly IReadOnlyList<Uri> _sampleUrls;
    private readonly AnimatedImageView[] _cells = new AnimatedImageView[Columns * Rows];
    private readonly NSTextField _urlField = new() { PlaceholderString = "Empty: the bundled samples. Or paste URLs (http, https, file) separated by spaces." };
    private readonly NSTextField _status = NSTextField.CreateLabel("");
    private readonly NSSlider _rateSlider = new() { MinValue = PlaybackControls.SliderMinimum, MaxValue = PlaybackControls.SliderMaximum, DoubleValue = 0, Continuous = true };
    private readonly NSTextField _rateLabel = NSTextField.CreateLabel("1×");
    private readonly NSPopUpButton _modeMenu = new(new CGRect(0, 0, 160, 26), pullsDown: false);
    private readonly NSButton _pauseBox;
    private readonly NSTextField _overlay = NSTextField.CreateLabel("");

    /// <summary>Builds the window; <paramref name="sampleUrls"/> are the loopback server's samples, shown while the URL field is empty.</summary>
    public DemoWindow(IReadOnlyList<Uri> sampleUrls)
    {
        _sampleUrls = sampleUrls;
        _pauseBox = NSButton.CreateCheckbox("Pause", OnPauseChanged);
        Window = new NSWindow(
            new CGRect(0, 0, 1000, 760),
            NSWindowStyle.Titled | NSWindowStyle.Closable | NSWindowStyle.Resizable | NSWindowStyle.Miniaturizable,
            NSBackingStore.Buffered,
            deferCreation: false)
        {
            Title = "ImageKit Demo",
            ReleasedWhenClosed = false, // this object owns the window and disposes it
        };

        var content = Window.ContentView!;
        var urlBar = Row(_urlField, NSButton.CreateButton("Load", LoadGrid));
        var controls = Row(
            NSTextField.CreateLabel("Rate"), _rateSlider, _rateLabel,
            NSTextField.CreateLabel("Mode"), _modeMenu,
            _pauseBox,
            NSButton.CreateButton("Reload", LoadGrid),
            NSButton.CreateButton("Reload from disk", ReloadFromDisk),
            _status);
        var grid = BuildGrid();
        foreach (var view in (NSView[])[urlBar, controls, grid, _overlay])
        {
            view.TranslatesAutoresizingMaskIntoConstraints = false;
            content.AddSubview(view);
        }

        NSLayoutConstraint.ActivateConstraints(
        [
            urlBar.TopAnchor.ConstraintEqualTo(content.TopAnchor, Margin),
            urlBar.LeadingAnchor.ConstraintEqualTo(content.LeadingAnchor, Margin),
            urlBar.TrailingAnchor.ConstraintEqualTo(content.TrailingAnchor, -Margin),
            controls.TopAnchor.ConstraintEqualTo(urlBar.BottomAnchor, 8),
            controls.LeadingAnchor.ConstraintEqualTo(content.LeadingAnchor, Margin),
            controls.TrailingAnchor.ConstraintLessThanOrEqualTo(content.TrailingAnchor, -Margin),
            _rateSlider.WidthAnchor.ConstraintEqualTo(160),
            grid.TopAnchor.ConstraintEqualTo(controls.BottomAnchor, Margin),
            grid.LeadingAnchor.ConstraintEqualTo(content.LeadingAnchor, Margin),
            grid.TrailingAnchor.ConstraintEqualTo(content.TrailingAnchor, -Margin),
            grid.BottomAnchor.ConstraintEqualTo(content.BottomAnchor, -Margin),
            _overlay.TrailingAnchor.ConstraintEqualTo(grid.TrailingAnchor, -8),
            _overlay.BottomAnchor.ConstraintEqualTo(grid.BottomAnchor, -8),
        ]);

        _urlField.SetContentHuggingPriorityForOrientation(1, NSLayoutConstraintOrientation.Horizontal);
        _status.LineBreakMode = NSLineBreakMode.TruncatingTail; // a long error must not widen the window
        _status.SetContentCompressionResistancePriority(1, NSLayoutConstraintOrientation.Horizontal);
        _urlField.Activated += (_, _) => LoadGrid();
        _rateSlider.Activated += (_, _) => OnRateChanged();
        _modeMenu.AddItems([.. PlaybackControls.Modes.Select(PlaybackControls.Title)]);
        _modeMenu.Activated += (_, _) => OnModeChanged();
        StyleOverlay();
    }

    /// <summary>The window; owned by this object.</summary>
    public NSWindow Window { get; }

    /// <summary>Shows the window, loads the grid and starts the overlay.</summary>
    public void Show()
    {
        Window.Center();
        Window.MakeKeyAndOrderFront(null);
        LoadGrid();
        StartOverlay();
    }

    /// <summary>Stops the overlay, disposes the views (their players and images) and closes the window.</summary>
    public void Dispose()
    {
        StopOverlay();
        foreach (var cell in _cells)
        {
            cell.RemoveFromSuperview();
            cell.Dispose();
        }

        Window.Close();
        Window.Dispose();
    }

    private static NSStackView Row(params NSView[] views)
    {
        var row = NSStackView.FromViews(views);
        row.Orientation = NSUserInterfaceLayoutOrientation.Horizontal;
        row.Spacing = 8;
        return row;
    }

    private NSStackView BuildGrid()
    {
        var grid = new NSStackView
        {
            Orientation = NSUserInterfaceLayoutOrientation.Vertical,
            Distribution = NSStackViewDistribution.FillEqually,
            Spacing = 8,
        };
        for (var r = 0; r < Rows; r++)
        {
            var row = new NSStackView
            {
                Orientation = NSUserInterfaceLayoutOrientation.Horizontal,
                Distribution = NSStackViewDistribution.FillEqually,
                Spacing = 8,
            };
            for (var c = 0; c < Columns; c++)
            {
                var cell = new AnimatedImageView(CGRect.Empty) { ContentMode = ContentMode.Fit };
                cell.Layer!.BackgroundColor = NSColor.ControlBackground.CGColor;
                cell.Layer.CornerRadius = 6;
                cell.StartFailed += (_, e) => _status.StringValue = $"Playback did not start: {e.Exception.Message}";
                _cells[(r * Columns) + c] = cell;
                row.AddArrangedSubview(cell);
            }

            grid.AddArrangedSubview(row);
            row.WidthAnchor.ConstraintEqualTo(grid.WidthAnchor).Active = true;
        }

        return grid;
    }

    private void StyleOverlay()
    {
        _overlay.Font = NSFont.MonospacedSystemFont(11, NSFontWeight.Regular);
        _overlay.TextColor = NSColor.White;
        _overlay.DrawsBackground = true;
        _overlay.BackgroundColor = NSColor.Black.ColorWithAlphaComponent(0.65f);
        _overlay.UsesSingleLineMode = false;
        _overlay.MaximumNumberOfLines = 0;
        _overlay.StringValue = "collecting statistics…";
    }
}
