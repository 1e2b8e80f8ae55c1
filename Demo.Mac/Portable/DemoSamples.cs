using System.Reflection;

namespace Demo.Mac.Portable;

/// <summary>
/// The sample animations embedded in an assembly under a resource-name prefix (the CLI's <c>Assets</c> folder, embedded
/// as <c>ImageKit.Cli.Assets.*</c> in the tool and as <c>Demo.Mac.Assets.*</c> in the app): what the loopback server serves.
/// </summary>
/// <param name="assembly">The assembly holding the resources.</param>
/// <param name="prefix">The resource-name prefix, dot included, e.g. <c>Demo.Mac.Assets.</c>.</param>
/// <remarks>Portable (compiled into the tests as well as the app); no AppKit here.</remarks>
internal sealed class DemoSamples(Assembly assembly, string prefix)
{
    /// <summary>The file names of the samples (the resource names without the prefix), sorted ordinally.</summary>
    public IReadOnlyList<string> Names { get; } =
    [
        .. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.Length > prefix.Length)
            .Select(n => n[prefix.Length..])
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Reads one sample's bytes.</summary>
    /// <exception cref="InvalidOperationException">No sample has that name.</exception>
    public byte[] Read(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        using var stream = assembly.GetManifestResourceStream(prefix + name)
            ?? throw new InvalidOperationException($"The demo sample {name} is not embedded in {assembly.GetName().Name}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
