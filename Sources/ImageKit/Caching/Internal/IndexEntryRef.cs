namespace ImageKit.Caching.Internal;

/// <summary>
/// What trim and sweep need of a row to remove it: its id, key hash and size, and where its bytes live (an inline row
/// has no file to delete or check).
/// </summary>
internal readonly record struct IndexEntryRef(long Id, byte[] Hash, long Size, bool Inline);
