using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using static ImageKit.Decoding.ImageIO.Interop.ImageIOInterop;

namespace ImageKit.Decoding.ImageIO.Interop;

/// <summary>
/// <see cref="IImageIO"/> over the real frameworks. The constants ImageIO's dictionaries are keyed by are exported
/// variables, read once. Every object a method creates for itself (the copied data, option dictionaries, numbers, the
/// colour space, the bitmap context) is released before it returns, on every path.
/// </summary>
[SupportedOSPlatform("macos")]
internal sealed unsafe class ImageIONative : IImageIO
{
    private static readonly Lazy<ImageIONative> s_instance = new(() => new ImageIONative());

    private readonly IntPtr _pixelWidth;
    private readonly IntPtr _pixelHeight;
    private readonly IntPtr _orientation;
    private readonly IntPtr _hasAlpha;
    private readonly IntPtr _fromImageAlways;
    private readonly IntPtr _withTransform;
    private readonly IntPtr _maxPixelSize;
    private readonly IntPtr _true;
    private readonly IntPtr _keyCallBacks;
    private readonly IntPtr _valueCallBacks;
    private readonly IntPtr _srgb;

    private ImageIONative()
    {
        var foundation = NativeLibrary.Load(CoreFoundationLibrary);
        var imageIO = NativeLibrary.Load(ImageIOLibrary);
        var graphics = NativeLibrary.Load(CoreGraphicsLibrary);
        _pixelWidth = Constant(imageIO, "kCGImagePropertyPixelWidth");
        _pixelHeight = Constant(imageIO, "kCGImagePropertyPixelHeight");
        _orientation = Constant(imageIO, "kCGImagePropertyOrientation");
        _hasAlpha = Constant(imageIO, "kCGImagePropertyHasAlpha");
        _fromImageAlways = Constant(imageIO, "kCGImageSourceCreateThumbnailFromImageAlways");
        _withTransform = Constant(imageIO, "kCGImageSourceCreateThumbnailWithTransform");
        _maxPixelSize = Constant(imageIO, "kCGImageSourceThumbnailMaxPixelSize");
        _true = Constant(foundation, "kCFBooleanTrue");
        _srgb = Constant(graphics, "kCGColorSpaceSRGB");

        // Structures, passed by address.
        _keyCallBacks = NativeLibrary.GetExport(foundation, "kCFTypeDictionaryKeyCallBacks");
        _valueCallBacks = NativeLibrary.GetExport(foundation, "kCFTypeDictionaryValueCallBacks");
    }

    /// <summary>The one instance, made on first use (macOS only).</summary>
    public static ImageIONative Instance => s_instance.Value;

    public IntPtr CreateSource(ReadOnlySpan<byte> data)
    {
        IntPtr cfData;
        fixed (byte* bytes = data)
        {
            cfData = CFDataCreate(IntPtr.Zero, bytes, data.Length);
        }

        if (cfData == IntPtr.Zero)
        {
            return IntPtr.Zero;
        }

        try
        {
            return CGImageSourceCreateWithData(cfData, IntPtr.Zero);
        }
        finally
        {
            CFRelease(cfData);
        }
    }

    public int GetStatus(IntPtr source) => CGImageSourceGetStatus(source);

    public long GetCount(IntPtr source) => (long)CGImageSourceGetCount(source);

    public bool TryGetProperties(IntPtr source, int index, out ImageIOProperties properties)
    {
        properties = default;
        var dictionary = CGImageSourceCopyPropertiesAtIndex(source, (nuint)index, IntPtr.Zero);
        if (dictionary == IntPtr.Zero)
        {
            return false;
        }

        try
        {
            if (ReadInt64(dictionary, _pixelWidth) is not { } width || width is <= 0 or > int.MaxValue
                || ReadInt64(dictionary, _pixelHeight) is not { } height || height is <= 0 or > int.MaxValue)
            {
                return false;
            }

            var orientation = ReadInt64(dictionary, _orientation) is { } o and >= 1 and <= 8 ? (int)o : 1;

            // Without the key, assume alpha: premultiplied pixels are right either way.
            properties = new ImageIOProperties((int)width, (int)height, orientation, ReadBoolean(dictionary, _hasAlpha) ?? true);
            return true;
        }
        finally
        {
            CFRelease(dictionary);
        }
    }

    public IntPtr CreateUprightImage(IntPtr source, int index, int maxPixelSize)
    {
        long size = maxPixelSize;
        var number = CFNumberCreate(IntPtr.Zero, SInt64Type, &size);
        if (number == IntPtr.Zero)
        {
            return IntPtr.Zero;
        }

        try
        {
            var keys = stackalloc IntPtr[3] { _fromImageAlways, _withTransform, _maxPixelSize };
            var values = stackalloc IntPtr[3] { _true, _true, number };
            var options = CFDictionaryCreate(IntPtr.Zero, keys, values, 3, _keyCallBacks, _valueCallBacks);
            if (options == IntPtr.Zero)
            {
                return IntPtr.Zero;
            }

            try
            {
                return CGImageSourceCreateThumbnailAtIndex(source, (nuint)index, options);
            }
            finally
            {
                CFRelease(options);
            }
        }
        finally
        {
            CFRelease(number);
        }
    }

    public bool Draw(IntPtr image, IntPtr pixels, int width, int height, int rowBytes)
    {
        var space = CGColorSpaceCreateWithName(_srgb);
        if (space == IntPtr.Zero)
        {
            return false;
        }

        try
        {
            var context = CGBitmapContextCreate(pixels, (nuint)width, (nuint)height, 8, (nuint)rowBytes, space, PremultipliedBgra);
            if (context == IntPtr.Zero)
            {
                return false;
            }

            try
            {
                // Drawing composites over what is there: start from transparent.
                new Span<byte>((void*)pixels, checked(rowBytes * height)).Clear();
                CGContextDrawImage(context, new CGRect(0, 0, width, height), image);
                return true;
            }
            finally
            {
                CFRelease(context);
            }
        }
        finally
        {
            CFRelease(space);
        }
    }

    public void Release(IntPtr cfObject) => CFRelease(cfObject);

    private static IntPtr Constant(IntPtr library, string name) => Marshal.ReadIntPtr(NativeLibrary.GetExport(library, name));

    private static long? ReadInt64(IntPtr dictionary, IntPtr key)
    {
        var value = CFDictionaryGetValue(dictionary, key);
        long result = 0;
        return value != IntPtr.Zero && CFGetTypeID(value) == CFNumberGetTypeID() && CFNumberGetValue(value, SInt64Type, &result) ? result : null;
    }

    private static bool? ReadBoolean(IntPtr dictionary, IntPtr key)
    {
        var value = CFDictionaryGetValue(dictionary, key);
        return value != IntPtr.Zero && CFGetTypeID(value) == CFBooleanGetTypeID() ? CFBooleanGetValue(value) : null;
    }
}
