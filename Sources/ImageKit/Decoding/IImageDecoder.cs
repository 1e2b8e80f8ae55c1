namespace ImageKit.Decoding;

/// <summary>
/// Turns encoded bytes into an <see cref="AnimatedImageSource"/>. Decoders are tried in the order of an
/// <see cref="ImageDecoderRegistry"/>; the first whose <see cref="CanDecode"/> answers yes decodes the data.
/// </summary>
public interface IImageDecoder
{
    /// <summary>Whether this decoder takes data whose magic bytes say <paramref name="format"/>.</summary>
    /// <param name="format">The format detected by <see cref="ImageFormatDetector"/>.</param>
    /// <param name="data">The whole encoded image.</param>
    bool CanDecode(ImageFormat format, ReadOnlySpan<byte> data);

    /// <summary>Reads the headers of <paramref name="data"/> and returns a source that decodes frames on demand.</summary>
    /// <param name="data">
    /// The whole encoded image, in pinned memory that stays valid and unchanged for as long as the returned source lives.
    /// </param>
    /// <param name="options">The decode options.</param>
    /// <exception cref="ImageDecodingException">The headers are corrupt or a limit is exceeded. Nothing is leaked.</exception>
    AnimatedImageSource CreateSource(ReadOnlyMemory<byte> data, ImageDecodeOptions options);
}
