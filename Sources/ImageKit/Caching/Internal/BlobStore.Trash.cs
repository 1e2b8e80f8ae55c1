namespace ImageKit.Caching.Internal;

// The trash folders a clear moves the blob folder to (deleted at once, or by a later sweep), and telling their names
// apart from other files' (a user's "trash-can" is not the cache's).
internal sealed partial class BlobStore
{
    public const string TrashPrefix = "trash-";

    /// <summary>
    /// When a trash folder was made, from its name (<see cref="TrashPrefix"/>, the UTC time in ticks as 16 hex digits, a
    /// dash, a GUID); <see langword="null"/> for a name without a time (an earlier version's, or not one of ours).
    /// </summary>
    public static DateTime? TrashFolderMadeAt(string path)
    {
        var name = Path.GetFileName(path.AsSpan());
        const int TimeLength = 16;
        if (name.Length == TrashPrefix.Length + TimeLength + 1 + 32
            && name.StartsWith(TrashPrefix, StringComparison.Ordinal)
            && name[TrashPrefix.Length + TimeLength] == '-'
            && long.TryParse(name.Slice(TrashPrefix.Length, TimeLength), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks)
        {
            return new DateTime(ticks, DateTimeKind.Utc);
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a trash folder's as a clear makes it: <see cref="TrashPrefix"/> with its time
    /// and GUID, or an earlier version's <see cref="TrashPrefix"/> and GUID (32 lowercase hex digits). Another name that
    /// starts with the prefix ("trash-can") is not the cache's.
    /// </summary>
    public static bool IsTrashFolderName(string name) =>
        TrashFolderMadeAt(name) is not null
        || (name.Length == TrashPrefix.Length + 32
            && name.StartsWith(TrashPrefix, StringComparison.Ordinal)
            && name[TrashPrefix.Length..].All(char.IsAsciiHexDigitLower));
}
