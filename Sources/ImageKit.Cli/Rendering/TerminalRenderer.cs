using System.Text;
using ImageKit.Decoding;

namespace ImageKit.Cli.Rendering;

/// <summary>
/// Draws frames in place on a 24-bit colour terminal with upper-half blocks: each character cell shows two pixels, the
/// top one as the foreground colour and the bottom one as the background. Frames are scaled (nearest pixel) to fit.
/// </summary>
internal sealed class TerminalRenderer(TextWriter output, int maxColumns, int maxRows)
{
    private readonly StringBuilder _text = new();
    private bool _drawn;
    private int _rows;

    public void Draw(ImageFrame frame)
    {
        var rgba = frame.ToRgba();
        var scale = Math.Max((double)frame.Width / maxColumns, (double)frame.Height / (maxRows * 2));
        scale = Math.Max(scale, 1);
        var columns = Math.Max(1, (int)(frame.Width / scale));
        var pixelRows = Math.Max(2, (int)(frame.Height / scale));
        var rows = (pixelRows + 1) / 2;

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
                var x = Math.Min(frame.Width - 1, (int)(column * scale));
                var top = Pixel(rgba, frame.Width, x, Math.Min(frame.Height - 1, (int)(2 * row * scale)));
                var bottom = Pixel(rgba, frame.Width, x, Math.Min(frame.Height - 1, (int)(((2 * row) + 1) * scale)));
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

    // Transparent pixels are shown over black, the terminal's usual background.
    private static (int R, int G, int B) Pixel(byte[] rgba, int width, int x, int y)
    {
        var i = ((y * width) + x) * 4;
        var a = rgba[i + 3];
        return (rgba[i] * a / 255, rgba[i + 1] * a / 255, rgba[i + 2] * a / 255);
    }
}
