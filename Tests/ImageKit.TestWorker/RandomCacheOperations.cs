using System.Buffers.Binary;
using System.Globalization;
using ImageKit.Caching;

namespace ImageKit.TestWorker;

/// <summary>
/// Seeded random operations of one cache (an instance, in this process or a worker's) on a folder that others use at the
/// same time, each checked as it returns. Keys are shared by every actor or private to this one; a private key's
/// entry is only ever written by its owner, so a read of it must give the owner's last write or nothing (another actor's
/// clear, trim or sweep may remove it, never bring back an older one).
/// </summary>
/// <remarks>
/// What is stored for a key: <see cref="WorkerContent"/> bytes of a generation unique to the write, with the generation
/// in the ETag and the key in the original URL, so a read can tell bytes of another key, bytes and metadata of two
/// different writes, and a resurrected older write. Metadata updates set the ETag to nothing and keep the URL.
/// </remarks>
public sealed class RandomCacheOperations
{
    /// <summary>Keys every actor writes.</summary>
    public const int SharedKeys = 10;

    /// <summary>Keys each actor writes alone.</summary>
    public const int PrivateKeys = 6;

    private readonly DiskImageCache _cache;
    private readonly string _actor;
    private readonly int _actorNumber;
    private readonly Random _random;
    private readonly Dictionary<string, int?> _lastWrite = new(StringComparer.Ordinal);
    private int _writes;

    /// <param name="cache">The cache to work on.</param>
    /// <param name="actorNumber">0–99, unique among the actors on the folder: names the private keys and the generations.</param>
    /// <param name="seed">Chooses the operations.</param>
    public RandomCacheOperations(DiskImageCache cache, int actorNumber, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actorNumber);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(actorNumber, 99);
        _cache = cache;
        _actorNumber = actorNumber;
        _actor = "a" + actorNumber.ToString(CultureInfo.InvariantCulture);
        _random = new Random(seed);
    }

    /// <summary>How many operations of each kind ran, for the report.</summary>
    public Dictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

    /// <summary>This actor's private keys and the generation each must hold if present (<see langword="null"/>: must be absent).</summary>
    public IReadOnlyDictionary<string, int?> LastWrites => _lastWrite;

    /// <summary>The private key <paramref name="index"/> of the actor <paramref name="actorNumber"/>.</summary>
    public static string PrivateKey(int actorNumber, int index) => string.Create(CultureInfo.InvariantCulture, $"a{actorNumber}-p{index}");

    /// <summary>The shared key <paramref name="index"/>.</summary>
    public static string SharedKey(int index) => string.Create(CultureInfo.InvariantCulture, $"s{index}");

    /// <summary>The URL stored as a key's original URL.</summary>
    public static Uri UrlOf(string key) => new("https://images.test/" + key);

    /// <summary>
    /// What is wrong with an entry read for <paramref name="key"/>, or <see langword="null"/>; <paramref name="expected"/>
    /// is the generation a private key must hold (<see langword="null"/>: it must be absent), unset for a shared key.
    /// </summary>
    public static string? Check(string key, DiskCacheEntry? entry, (int? Generation, bool Known) expected = default)
    {
        if (entry is null)
        {
            return null;
        }

        if (!WorkerContent.IsValid(key, entry.Data))
        {
            return $"{key}: bytes that are not any write of this key ({entry.Data.Length} bytes)";
        }

        var generation = BinaryPrimitives.ReadInt32LittleEndian(entry.Data);
        return CheckMetadata(key, entry.Metadata, generation)
            ?? (expected.Known && expected.Generation != generation ? $"{key}: generation {generation}, but its owner's last write was {Describe(expected.Generation)}" : null);
    }

    /// <summary>What is wrong with metadata read for <paramref name="key"/> whose bytes are of <paramref name="generation"/> (if known).</summary>
    public static string? CheckMetadata(string key, DiskCacheMetadata metadata, int? generation)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.OriginalUrl != UrlOf(key))
        {
            return $"{key}: metadata of another key ({metadata.OriginalUrl})";
        }

        if (metadata.ETag is { } etag && generation is { } g && etag != ETagOf(g))
        {
            return $"{key}: bytes of generation {g} with the metadata of {etag}";
        }

        return null;
    }

    /// <summary>
    /// Runs <paramref name="operations"/> operations; returns the first thing found wrong, or <see langword="null"/>.
    /// With <paramref name="disposing"/>, the cache may be disposed meanwhile: an <see cref="ObjectDisposedException"/>
    /// once it says so ends the run (before, it is a finding).
    /// </summary>
    public async Task<string?> RunAsync(int operations, Func<bool>? disposing = null, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < operations; i++)
        {
            var (key, isPrivate) = _random.Next(3) == 0
                ? (PrivateKey(_actorNumber, _random.Next(PrivateKeys)), true)
                : (SharedKey(_random.Next(SharedKeys)), false);
            var expected = isPrivate ? (_lastWrite.GetValueOrDefault(key), true) : default;
            var roll = _random.Next(100);
            var kind = roll switch
            {
                < 35 => "set",
                < 60 => "get",
                < 68 => "metadata",
                < 73 => "contains",
                < 83 => "remove",
                < 88 => "update",
                < 93 => "trim",
                < 95 => "clear",
                < 97 => "sweep",
                _ => "statistics",
            };
            Counts[kind] = Counts.GetValueOrDefault(kind) + 1;
            string? finding;
            try
            {
                finding = await RunOneAsync(kind, key, isPrivate, expected, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Any exception is a finding: reported, not thrown, so the report says which operation.
            catch (ObjectDisposedException) when (disposing?.Invoke() == true)
            {
                Counts["stopped by dispose"] = 1;
                return null;
            }
            catch (Exception e)
#pragma warning restore CA1031
            {
                finding = $"{kind} {key} threw {e.GetType().Name}: {e.Message}";
            }

            if (finding is not null)
            {
                return $"{_actor}, operation {i} ({kind} {key}): {finding}";
            }
        }

        return null;
    }

    private async Task<string?> RunOneAsync(string kind, string key, bool isPrivate, (int?, bool) expected, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case "set":
                var generation = (_actorNumber * 1_000_000) + ++_writes;
                var metadata = new DiskCacheMetadata { ETag = ETagOf(generation), OriginalUrl = UrlOf(key), ContentType = "image/x-test" };
                await _cache.SetAsync(key, WorkerContent.Create(key, generation), metadata, cancellationToken).ConfigureAwait(false);
                if (isPrivate)
                {
                    _lastWrite[key] = generation;
                }

                return null;
            case "get":
                return Check(key, await _cache.GetAsync(key, cancellationToken).ConfigureAwait(false), expected);
            case "metadata":
                if (await _cache.GetMetadataAsync(key, cancellationToken).ConfigureAwait(false) is not { } found)
                {
                    return null;
                }

                return CheckMetadata(key, found, null)
                    ?? (isPrivate && _lastWrite.GetValueOrDefault(key) is null ? "metadata present after its owner removed it (or never wrote it)" : null)
                    ?? (isPrivate && found.ETag is { } etag && etag != ETagOf(_lastWrite.GetValueOrDefault(key)) ? $"metadata {etag}, but the last write was {Describe(_lastWrite.GetValueOrDefault(key))}" : null);
            case "contains":
                var present = await _cache.ContainsAsync(key, cancellationToken).ConfigureAwait(false);
                return isPrivate && present && _lastWrite.GetValueOrDefault(key) is null ? "present after its owner removed it (or never wrote it)" : null;
            case "remove":
                await _cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
                if (isPrivate)
                {
                    _lastWrite[key] = null;
                }

                return null;
            case "update":
                // Replaces the metadata of whatever write is there: the ETag goes (it no longer says which write it is).
                _ = await _cache.UpdateMetadataAsync(key, new DiskCacheMetadata { OriginalUrl = UrlOf(key), ContentType = "image/x-updated" }, cancellationToken).ConfigureAwait(false);
                return null;
            case "trim":
                var result = await _cache.TrimAsync(_random.Next(0, 200_000), null, cancellationToken).ConfigureAwait(false);
                return result.SizeRemoved < 0 || result.ExpiredRemoved < 0 || result.BytesFreed < 0 ? $"trim reported {result}" : null;
            case "clear":
                await _cache.ClearAsync(cancellationToken).ConfigureAwait(false);
                return null;
            case "sweep":
                // Every blob file is renamed into place and deleted under the index's write lock with its row: a sweep
                // beside working caches finds nothing to repair, and one that did would be deleting a live entry.
                var swept = await _cache.SweepAsync(cancellationToken).ConfigureAwait(false);
                return swept.BrokenRowsRemoved != 0 || swept.OrphanFilesRemoved != 0 ? $"sweep repaired what working caches left: {swept}" : null;
            default:
                var statistics = await _cache.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
                return statistics.EntryCount < 0 || statistics.TotalBytes < 0 || (statistics.EntryCount == 0) != (statistics.TotalBytes == 0)
                    ? $"statistics {statistics}"
                    : null;
        }
    }

    private static string ETagOf(int? generation) => generation is { } g ? string.Create(CultureInfo.InvariantCulture, $"\"{g}\"") : "(none)";

    private static string Describe(int? generation) => generation?.ToString(CultureInfo.InvariantCulture) ?? "a removal";
}
