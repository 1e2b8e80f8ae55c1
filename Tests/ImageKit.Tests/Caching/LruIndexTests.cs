using System.Collections.Concurrent;
using ImageKit.Caching.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class LruIndexTests
{
    [TestMethod]
    public void AddFindRemove_ThroughSeveralGrowths_FindExactlyTheKeysHeld()
    {
        var (image, _) = CountingSource.Create();
        var index = new LruIndex();
        var nodes = Enumerable.Range(0, 1_000).Select(i => new LruNode($"key{i}", image, 1)).ToArray();
        foreach (var node in nodes)
        {
            index.Add(node);
        }

        foreach (var node in nodes.Where((_, i) => i % 3 == 0))
        {
            index.Remove(node);
        }

        Assert.AreEqual(nodes.Length - ((nodes.Length + 2) / 3), index.Count);
        for (var i = 0; i < nodes.Length; i++)
        {
            Assert.AreSame(i % 3 == 0 ? null : nodes[i], index.Find($"key{i}"), $"key{i}");
        }

        Assert.IsNull(index.Find("absent"));
        index.Clear();
        Assert.AreEqual(0, index.Count);
        Assert.IsNull(index.Find("key1"));
        image.Dispose();
    }

    [TestMethod]
    public void Find_WhileOneWriterAddsRemovesAndGrows_NeverReturnsAnotherKeysNodeAndFindsStableKeysOnceQuiet()
    {
        var (image, _) = CountingSource.Create();
        var lease = image.AcquireLease();
        var index = new LruIndex();
        var stable = Enumerable.Range(0, 50).Select(i => new LruNode($"stable{i}", image, 1)).ToArray();
        foreach (var node in stable)
        {
            index.Add(node);
        }

        var errors = new ConcurrentQueue<string>();
        var done = 0;
        var readers = Enumerable.Range(0, 2).Select(t => Task.Factory.StartNew(
            () =>
            {
                var random = new Random(t);
                while (Volatile.Read(ref done) == 0)
                {
                    var key = random.Next(2) == 0 ? $"stable{random.Next(50)}" : $"churn{random.Next(5_000)}";
                    if (index.Find(key) is { } found && found.Key != key)
                    {
                        errors.Enqueue($"looked up {key}, found {found.Key}");
                    }
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();

        // One writer, as under the cache's lock: churn keys come and go, and the table grows several times.
        var live = new List<LruNode>();
        var writerRandom = new Random(99);
        for (var i = 0; i < 20_000; i++)
        {
            if (live.Count > 0 && writerRandom.Next(3) == 0)
            {
                var victim = writerRandom.Next(live.Count);
                index.Remove(live[victim]);
                live.RemoveAt(victim);
            }
            else
            {
                var key = $"churn{i % 5_000}";
                if (index.Find(key) is { } old)
                {
                    index.Remove(old);
                    live.Remove(old);
                }

                var node = new LruNode(key, image, 1);
                index.Add(node);
                live.Add(node);
            }
        }

        Volatile.Write(ref done, 1);
        // A lookup caught in a looping chain would never end: a failure here, not a hung run.
        Assert.IsTrue(Task.WaitAll(readers, TimeSpan.FromSeconds(60)), "a reader's lookup never ended: a chain looped");
        Assert.IsTrue(errors.IsEmpty, string.Join("; ", errors.Take(5)));
        Assert.IsTrue(stable.All(node => index.Find(node.Key) == node), "every stable key is found once the writer stopped");
        Assert.AreEqual(stable.Length + live.Count, index.Count);
        lease.Dispose();
        image.Dispose();
    }
}
