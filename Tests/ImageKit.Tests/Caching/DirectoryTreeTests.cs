using ImageKit.Caching.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// The trash deletion that a clear and a sweep run at the same time. Before this helper, both used
/// <see cref="Directory.Delete(string, bool)"/>, which throws and leaves the top folder when a subfolder vanishes under
/// it: ClearAsync then returned with its trash folder still there (the flaky ClearAsync_RemovesEverythingAndStaysUsable).
/// The hook replays the other deleter at the exact interleaving that broke it.
/// </summary>
[TestClass]
public sealed class DirectoryTreeTests
{
    [TestMethod]
    public void TryDelete_SubfoldersVanishAfterListing_DeletesTree()
    {
        using var folder = new TempFolder();
        var trash = MakeTree(folder.Combine("trash-1"), 6);
        var otherDeleterRan = false;

        var deleted = DirectoryTree.TryDelete(trash, entry =>
        {
            if (!otherDeleterRan)
            {
                otherDeleterRan = true;
                foreach (var sibling in Directory.GetDirectories(trash).Where(d => d != entry).Take(3))
                {
                    Directory.Delete(sibling, recursive: true);
                }
            }
        });

        Assert.IsTrue(otherDeleterRan);
        Assert.IsTrue(deleted);
        Assert.IsFalse(Directory.Exists(trash));
    }

    [TestMethod]
    public void TryDelete_FilesAndFolderVanishMidway_DeletesTree()
    {
        using var folder = new TempFolder();
        var trash = MakeTree(folder.Combine("trash-2"), 3);

        // The other deleter empties the subfolder being deleted and removes it, file by file, as we go.
        var deleted = DirectoryTree.TryDelete(trash, entry =>
        {
            if (File.Exists(entry))
            {
                var parent = Path.GetDirectoryName(entry)!;
                Directory.Delete(parent, recursive: true);
            }
        });

        Assert.IsTrue(deleted);
        Assert.IsFalse(Directory.Exists(trash));
    }

    [TestMethod]
    public void TryDelete_WholeTreeVanishesMidway_ReturnsTrue()
    {
        using var folder = new TempFolder();
        var trash = MakeTree(folder.Combine("trash-3"), 4);

        var deleted = DirectoryTree.TryDelete(trash, _ =>
        {
            if (Directory.Exists(trash))
            {
                Directory.Delete(trash, recursive: true);
            }
        });

        Assert.IsTrue(deleted);
        Assert.IsFalse(Directory.Exists(trash));
    }

    [TestMethod]
    public void TryDelete_Missing_ReturnsTrue()
    {
        using var folder = new TempFolder();
        Assert.IsTrue(DirectoryTree.TryDelete(folder.Combine("never-there")));
    }

    [TestMethod]
    public void TryDelete_LinkToFolderOutside_RemovesLinkKeepsTarget()
    {
        using var folder = new TempFolder();
        var outside = MakeTree(folder.Combine("outside"), 1);
        var trash = MakeTree(folder.Combine("trash-4"), 1);
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(trash, "link"), outside);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Assert.Inconclusive($"cannot create a folder link here: {e.Message}");
        }

        Assert.IsTrue(DirectoryTree.TryDelete(trash));
        Assert.IsFalse(Directory.Exists(trash));
        Assert.HasCount(2, Directory.GetFiles(Path.Combine(outside, "00")), "the link's target keeps its files");
    }

    private static string MakeTree(string root, int folders)
    {
        for (var i = 0; i < folders; i++)
        {
            var sub = Path.Combine(root, i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(sub);
            File.WriteAllBytes(Path.Combine(sub, "a"), [1]);
            File.WriteAllBytes(Path.Combine(sub, "b"), [2]);
        }

        return root;
    }
}
