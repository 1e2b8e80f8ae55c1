using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ImageKit.Decoding.ImageIO.Interop;

/// <summary>
/// The P/Invoke declarations, by absolute path as Apple's frameworks are always there (and never found through a library
/// search path). They compile on every OS; only calling them needs macOS. <c>Boolean</c> is an unsigned char,
/// <c>CFIndex</c> a signed and <c>size_t</c> an unsigned pointer-sized integer.
/// </summary>
[SupportedOSPlatform("macos")]
internal static unsafe partial class ImageIOInterop
{
    public const string CoreFoundationLibrary = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation";
    public const string ImageIOLibrary = "/System/Library/Frameworks/ImageIO.framework/ImageIO";
    public const string CoreGraphicsLibrary = "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics";

    // CFNumberType.
    public const nint SInt64Type = 4;

    // kCGImageAlphaPremultipliedFirst | kCGBitmapByteOrder32Little: B, G, R, A in memory, premultiplied.
    public const uint PremultipliedBgra = 2 | (2 << 12);

    [LibraryImport(CoreFoundationLibrary)]
    public static partial IntPtr CFDataCreate(IntPtr allocator, byte* bytes, nint length);

    [LibraryImport(CoreFoundationLibrary)]
    public static partial void CFRelease(IntPtr cf);

    [LibraryImport(CoreFoundationLibrary)]
    public static partial IntPtr CFDictionaryCreate(IntPtr allocator, IntPtr* keys, IntPtr* values, nint count, IntPtr keyCallBacks, IntPtr valueCallBacks);

    [LibraryImport(CoreFoundationLibrary)]
    public static partial IntPtr CFDictionaryGetValue(IntPtr dictionary, IntPtr key);

    [LibraryImport(CoreFoundationLibrary)]
    public static partial IntPtr CFNumberCreate(IntPtr allocator, nint type, void* value);

    [LibraryImport(CoreFoundationLibrary)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool CFNumberGetValue(IntPtr number, nint type, void* value);

    [LibraryImport(CoreFoundationLibrary)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool CFBooleanGetValue(IntPtr boolean);

    [LibraryImport(CoreFoundationLibrary)]
    public static partial nuint CFGetTypeID(IntPtr cf);

    [LibraryImport(CoreFoundationLibrary)]
    public static partial nuint CFNumberGetTypeID();

    [LibraryImport(CoreFoundationLibrary)]
    public static partial nuint CFBooleanGetTypeID();

    [LibraryImport(ImageIOLibrary)]
    public static partial IntPtr CGImageSourceCreateWithData(IntPtr data, IntPtr options);

    [LibraryImport(ImageIOLibrary)]
    public static partial int CGImageSourceGetStatus(IntPtr source);

    [LibraryImport(ImageIOLibrary)]
    public static partial nuint CGImageSourceGetCount(IntPtr source);

    [LibraryImport(ImageIOLibrary)]
    public static partial IntPtr CGImageSourceCopyPropertiesAtIndex(IntPtr source, nuint index, IntPtr options);

    [LibraryImport(ImageIOLibrary)]
    public static partial IntPtr CGImageSourceCreateThumbnailAtIndex(IntPtr source, nuint index, IntPtr options);

    [LibraryImport(CoreGraphicsLibrary)]
    public static partial IntPtr CGColorSpaceCreateWithName(IntPtr name);

    [LibraryImport(CoreGraphicsLibrary)]
    public static partial IntPtr CGBitmapContextCreate(IntPtr data, nuint width, nuint height, nuint bitsPerComponent, nuint bytesPerRow, IntPtr space, uint bitmapInfo);

    [LibraryImport(CoreGraphicsLibrary)]
    public static partial void CGContextDrawImage(IntPtr context, CGRect rect, IntPtr image);

    /// <summary>CoreGraphics' rectangle: <c>CGFloat</c> is a double on every 64-bit Mac.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public readonly record struct CGRect(double X, double Y, double Width, double Height);
}
