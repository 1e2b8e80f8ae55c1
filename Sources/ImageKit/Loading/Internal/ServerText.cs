using System.Globalization;

namespace ImageKit.Loading.Internal;

/// <summary>
/// Text a server chose (a reason phrase, a status line .NET quotes, a Location, a Content-Type) put into an error
/// message: clipped, so that a server answering with a kilobyte of image bytes where the status line belongs (an HTTP/0.9
/// answer) or an endless reason phrase cannot make one failure a screenful.
/// </summary>
internal static class ServerText
{
    /// <summary>The most of a server's text an error message quotes.</summary>
    public const int MaxLength = 200;

    /// <summary><paramref name="text"/>, or its first <see cref="MaxLength"/> characters and how many there were.</summary>
    public static string Clip(string text) =>
        text.Length <= MaxLength
            ? text
            : string.Create(CultureInfo.InvariantCulture, $"{text.AsSpan(0, MaxLength)}… ({text.Length} characters)");
}
