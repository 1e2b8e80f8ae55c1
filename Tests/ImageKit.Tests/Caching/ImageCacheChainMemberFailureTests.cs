using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A chain's store, removal, clear or metadata update that one member fails ends only once every other member's has ended,
/// however the member fails (a cache written without async throws before it returns a task, or returns none): the
/// manager undoes a failed store by removing what the other members stored, which must come after their stores.
/// </summary>
[TestClass]
public sealed class ImageCacheChainMemberFailureTests
{
    public TestContext TestContext { get; set; } = null!;

    public enum Operation
    {
        Store,
        Remove,
        Clear,
        UpdateMetadata,
    }

    public enum Fault
    {
        ThrowsSynchronously,
        ReturnsNoTask,
    }

    [TestMethod]
    [DataRow(Operation.Store, Fault.ThrowsSynchronously)]
    [DataRow(Operation.Store, Fault.ReturnsNoTask)]
    [DataRow(Operation.Remove, Fault.ThrowsSynchronously)]
    [DataRow(Operation.Clear, Fault.ThrowsSynchronously)]
    [DataRow(Operation.UpdateMetadata, Fault.ThrowsSynchronously)]
    public async Task OneMemberFailsBeforeReturningATask_TheChainsOperationEndsAfterTheOtherMembersAndFails(Operation operation, Fault fault)
    {
        var slow = new GatedMember();
        var chain = new ImageCacheChain([slow, new BrokenMember(fault)]);

        Task running;
        try
        {
            running = Run(chain, operation);
        }
        catch (Exception e)
        {
            running = Task.FromException(e); // thrown before a task: the chain ended at once
        }

        await slow.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.CancellationToken);
        Assert.IsFalse(running.IsCompleted, $"the chain's {operation} ended while another member's was still running");
        slow.Gate.SetResult();
        var error = await Assert.ThrowsAsync<Exception>(() => running);
        Assert.IsInstanceOfType(error, fault == Fault.ThrowsSynchronously ? typeof(IOException) : typeof(InvalidOperationException));
        Assert.IsTrue(slow.Ended, "the other member's operation ran to its end");
    }

    public enum Lookup
    {
        Query,
        GetEncoded,
        Contains,
    }

    [TestMethod]
    [DataRow(Lookup.Query)]
    [DataRow(Lookup.GetEncoded)]
    [DataRow(Lookup.Contains)]
    public async Task FirstHitLookup_AMemberReturnsNoTask_FailsAsThatCachesBugAsThePolicyAllDoes(Lookup lookup)
    {
        var chain = new ImageCacheChain([new NoTaskLookups()]);

        Func<Task> run = lookup switch
        {
            Lookup.Query => () => chain.QueryAsync("k", cancellationToken: TestContext.CancellationToken),
            Lookup.GetEncoded => () => chain.GetEncodedAsync("k", TestContext.CancellationToken),
            _ => () => chain.ContainsAsync("k", cancellationToken: TestContext.CancellationToken),
        };

        var error = await Assert.ThrowsAsync<Exception>(run);
        Assert.IsInstanceOfType<InvalidOperationException>(error, $"the cache's missing task is reported as its bug, not as {error.GetType().Name}");
        StringAssert.Contains(error.Message, nameof(NoTaskLookups));
    }

    private Task Run(ImageCacheChain chain, Operation operation) => operation switch
    {
        Operation.Store => chain.StoreAsync("k", image: null, new byte[] { 1, 2, 3 }, cancellationToken: TestContext.CancellationToken),
        Operation.Remove => chain.RemoveAsync("k", cancellationToken: TestContext.CancellationToken),
        Operation.Clear => chain.ClearAsync(cancellationToken: TestContext.CancellationToken),
        _ => chain.UpdateMetadataAsync("k", new DiskCacheMetadata(), TestContext.CancellationToken),
    };

    /// <summary>A member whose stores, removals, clears and updates wait for the test.</summary>
    private sealed class GatedMember() : ForwardingImageCache(inner: null)
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Ended;

        public override Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => WaitAsync();

        public override async Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default)
        {
            await WaitAsync();
            return true;
        }

        public override async Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
        {
            await WaitAsync();
            return true;
        }

        public override Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) => WaitAsync();

        private async Task WaitAsync()
        {
            Entered.TrySetResult();
            await Gate.Task;
            Ended = true;
        }
    }

    /// <summary>A member with a bug: its lookups return no task.</summary>
    private sealed class NoTaskLookups() : ForwardingImageCache(inner: null)
    {
        public override Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => null!;

        public override Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => null!;

        public override Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => null!;
    }

    /// <summary>A member written without async: it fails before returning a task, or returns none.</summary>
    private sealed class BrokenMember(Fault fault) : ForwardingImageCache(inner: null)
    {
        public override Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => Fail<bool>();

        public override Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => Fail<bool>();

        public override Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => Fail<bool>();

        public override Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) => Fail<bool>();

        private Task<T> Fail<T>() => fault == Fault.ThrowsSynchronously ? throw new IOException("the member failed") : null!;
    }
}
