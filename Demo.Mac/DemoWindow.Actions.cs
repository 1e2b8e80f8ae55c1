using AppKit;
using Demo.Mac.Portable;
using Foundation;
using ImageKit;
using ImageKit.Animation;
using ImageKit.Caching;
using ImageKit.Mac;
using ImageKit.Views;

namespace Demo.Mac;

internal sealed partial class DemoWindow
{
    private const double OverlayIntervalSeconds = 0.5;

    private double _rate = 1;
    private PlaybackMode _mode = PlaybackMode.Normal;
    private bool _paused;
    private NSTimer? _overlayTimer;
    private bool _overlayBusy;

    /// <summary>Loads the URLs typed (or the samples) into the cells; a second load of the same URLs is a memory hit.</summary>
    private void LoadGrid()
    {
        var typed = DemoUrls.Parse(_urlField.StringValue);
        var urls = typed.IsEmpty ? _sampleUrls : typed.Urls;
        _status.StringValue = typed.Rejected.Count == 0 ? "" : "Not a URL, ignored: " + string.Join(' ', typed.Rejected.Select(DemoUrls.Label));
        if (urls.Count == 0)
        {
            return;
        }

        var cellUrls = DemoUrls.FillCells(urls, _cells.Length);
        for (var i = 0; i < _cells.Length; i++)
        {
            _ = LoadCellAsync(_cells[i], cellUrls[i]);
        }
    }

    /// <summary>Empties the grid (releasing the images), clears the memory cache and loads again: the disk cache answers.</summary>
    private void ReloadFromDisk()
    {
        foreach (var cell in _cells)
        {
            cell.Player = null; // disposes the player and the image the view loaded
        }

        (ImageManager.Shared.Cache as ImageCache)?.Memory.Clear();
        LoadGrid();
    }

    private async Task LoadCellAsync(AnimatedImageView cell, Uri url)
    {
        // A paused demo must not start the new player, not even for a frame.
        cell.AutoPlay = !_paused;
        try
        {
            var result = await cell.SetImageAsync(url);
            if (result.Outcome == ViewLoadOutcome.Shown)
            {
                PlaybackControls.Apply(cell.Player, _rate, _mode);
            }
            else if (result.Outcome == ViewLoadOutcome.Failed)
            {
                _status.StringValue = $"{DemoUrls.Label(url.OriginalString)}: {result.Error?.Message}";
            }
        }
        catch (Exception e) when (e is ImageKitException or InvalidOperationException or ObjectDisposedException)
        {
            _status.StringValue = $"{DemoUrls.Label(url.OriginalString)}: {e.Message}";
        }
    }

    private void OnRateChanged()
    {
        _rate = PlaybackControls.RateFromSlider(_rateSlider.DoubleValue);
        _rateLabel.StringValue = PlaybackControls.FormatRate(_rate);
        ApplyToAll();
    }

    private void OnModeChanged()
    {
        _mode = PlaybackControls.ModeAt(_modeMenu.IndexOfSelectedItem);
        ApplyToAll();
    }

    private void OnPauseChanged()
    {
        _paused = _pauseBox.State == NSCellStateValue.On;
        foreach (var cell in _cells)
        {
            cell.AutoPlay = !_paused;
            if (_paused)
            {
                cell.StopAnimating();
            }
            else
            {
                cell.StartAnimating();
            }
        }
    }

    private void ApplyToAll()
    {
        foreach (var cell in _cells)
        {
            PlaybackControls.Apply(cell.Player, _rate, _mode);
        }
    }

    private void StartOverlay() =>
        _overlayTimer = NSTimer.CreateRepeatingScheduledTimer(OverlayIntervalSeconds, timer => _ = UpdateOverlayAsync());

    private void StopOverlay()
    {
        _overlayTimer?.Invalidate();
        _overlayTimer?.Dispose();
        _overlayTimer = null;
    }

    private async Task UpdateOverlayAsync()
    {
        if (_overlayBusy)
        {
            return; // the previous update is still reading the disk cache's totals
        }

        _overlayBusy = true;
        try
        {
            var players = _cells.Select(static c => c.Player).ToList();
            var stats = await DemoStatistics.CaptureAsync(ImageManager.Shared, players, FrameBudget.Shared);
            _overlay.StringValue = stats.ToText();
        }
        catch (Exception e) when (e is ImageKitException or ObjectDisposedException)
        {
            _overlay.StringValue = "statistics unavailable: " + e.Message;
        }
        finally
        {
            _overlayBusy = false;
        }
    }
}
