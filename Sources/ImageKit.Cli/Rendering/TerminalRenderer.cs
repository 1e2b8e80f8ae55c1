using System.Text;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;

namespace ImageKit.Cli.Rendering;

/// <summary>
/// Draws frames in place on a 24-bit colour terminal with upper-half blocks: each character cell shows two pixels, the
/// top one as the foreground colour and the bottom one as the background. Frames are shrunk to fit, each pixel the average of what it covers.
/// </summary>
internal sealed class TerminalRenderer(TextWriter output, int maxColumns, int maxRows)
{
    private readonly StringBuilder _text = new();
    private bool _drawn;
    private int _rows;

    public void Draw(ImageFrame frame)
    {
        var scale = Math.Max((double)frame.Width / maxColumns, (double)frame.Height / (maxRows * 2));
        scale = Math.Max(scale, 1);
        var columns = Math.Max(1, (int)(frame.Width / scale));
        var pixelRows = Math.Max(2, (int)(frame.Height / scale));
        var rows = (pixelRows + 1) / 2;

        // One pixel per half cell, shrunk by ImageKit's resampler so that each averages what it covers (picking one source
        // pixel per cell shows fine detail as noise). Premultiplied values are the colour over black, the terminal's usual
        // background.
        var pixels = new byte[columns * rows * 2 * 4];
        Resampler.Resize(frame.Pixels, frame.Width, frame.Height, frame.RowBytes, pixels.AsSpan(0, columns * pixelRows * 4), columns, pixelRows, columns * 4);

        _text.Clear();
        if (_drawn)
        {
            _text.Append("\e[").Append(_rows).Append('A'); // back to the top of the previous drawing
        }

        for (var row = 0; row < rows; row++)
        {
            _text.Append('\r');
            for (var column = 0; column < columns; column++)
            {
                var top = Pixel(pixels, columns, column, 2 * row);
                var bottom = Pixel(pixels, columns, column, Math.Min(pixelRows - 1, (2 * row) + 1));
                _text.Append("\e[38;2;").Append(top.R).Append(';').Append(top.G).Append(';').Append(top.B)
                     .Append(";48;2;").Append(bottom.R).Append(';').Append(bottom.G).Append(';').Append(bottom.B).Append("m\u2580");
            }

            _text.Append("\e[0m\n");
        }

        _rows = rows;
        _drawn = true;
        output.Write(_text.ToString());
        output.Flush();
    }

    private static (int R, int G, int B) Pixel(byte[] bgra, int width, int x, int y)
    {
        var i = ((y * width) + x) * 4;
        return (bgra[i + 2], bgra[i + 1], bgra[i]);
    }
}
