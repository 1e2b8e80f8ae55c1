using System.Security.Cryptography;
using System.Text;

namespace ImageKit.Benchmarks;

/// <summary>
/// The baseline for the disk cache benchmarks: what SDWebImage's SDDiskCache does — one file per key in a flat folder,
/// named by a hash of the key, no index; the total size is found by enumerating every file with its attributes, and a
/// trim enumerates, sorts by date and deletes the oldest.
/// </summary>
internal sealed class NaiveFileCache(string directory)
{
    public string Directory { get; } = directory;

#pragma warning disable CA5351 // SDDiskCache names files by MD5; a file name, not security.
    public string PathOf(string key) => Path.Combine(Directory, Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(key))));
#pragma warning restore CA5351

    public void Set(string key, byte[] data, DateTime lastUse)
    {
        var path = PathOf(key);
        File.WriteAllBytes(path, data);
        File.SetLastWriteTimeUtc(path, lastUse);
    }

    public Task<byte[]> GetAsync(string key) => File.ReadAllBytesAsync(PathOf(key));

    public long TotalSize() => new DirectoryInfo(Directory).EnumerateFiles().Sum(f => f.Length);

    /// <summary>Deletes the least recently written files until the folder holds at most <paramref name="targetBytes"/>.</summary>
    public int Trim(long targetBytes)
    {
        var files = new DirectoryInfo(Directory).EnumerateFiles().Select(f => (f.FullName, f.Length, f.LastWriteTimeUtc)).ToList();
        var total = files.Sum(f => f.Length);
        var removed = 0;
        foreach (var (path, length, _) in files.OrderBy(f => f.LastWriteTimeUtc))
        {
            if (total <= targetBytes)
            {
                break;
            }

            File.Delete(path);
            total -= length;
            removed++;
        }

        return removed;
    }
}
