using ImageKit.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Internal;

[TestClass]
public sealed class BoundedFileReaderTests
{
    private const int Limit = 100_000;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Read_DeviceThatNeverEnds_IsRefusedOnceItPassesTheLimit()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("/dev/zero is a Unix device");
        }

        long? reported = -1;
        var error = Assert.ThrowsExactly<InvalidDataException>(() => BoundedFileReader.Read("/dev/zero", Limit, Refuse(l => reported = l)));
        Assert.AreEqual("too large", error.Message);
        Assert.IsNull(reported, "a device says no length");
    }

    [TestMethod]
    public async Task Read_PipeOfExactlyTheLimit_IsReadWhole()
    {
        using var folder = new TempFolder();
        var fifo = Fifo.Create(folder.Path);
        var data = Bytes(Limit);
        var writing = Fifo.WriteAsync(fifo, data);

        var read = await BoundedFileReader.ReadAsync(fifo, Limit, Refuse(), TestContext.CancellationToken);
        await writing;
        CollectionAssert.AreEqual(data, read);
    }

    [TestMethod]
    public async Task Read_PipeOneBytePastTheLimit_IsRefused()
    {
        using var folder = new TempFolder();
        var fifo = Fifo.Create(folder.Path);
        var writing = Fifo.WriteAsync(fifo, Bytes(Limit + 1));

        await Assert.ThrowsExactlyAsync<InvalidDataException>(() => BoundedFileReader.ReadAsync(fifo, Limit, Refuse(), TestContext.CancellationToken));
        try
        {
            await writing;
        }
        catch (IOException)
        {
            // The reader closed its end before the writer finished: a broken pipe is what the writer should see.
        }
    }

    [TestMethod]
    public void Read_RegularFileOverTheLimit_IsRefusedWithItsLengthAndNotRead()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("big.bin");
        File.WriteAllBytes(path, Bytes(Limit + 10));

        long? reported = null;
        Assert.ThrowsExactly<InvalidDataException>(() => BoundedFileReader.Read(path, Limit, Refuse(l => reported = l)));
        Assert.AreEqual(Limit + 10, reported);
    }

    [TestMethod]
    public void Read_RegularFileWithinTheLimit_ReturnsItsBytes()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("small.bin");
        var data = Bytes(12_345);
        File.WriteAllBytes(path, data);

        CollectionAssert.AreEqual(data, BoundedFileReader.Read(path, Limit, Refuse()));
        File.WriteAllBytes(folder.Combine("empty.bin"), []);
        Assert.IsEmpty(BoundedFileReader.Read(folder.Combine("empty.bin"), Limit, Refuse()));
    }

    [TestMethod]
    public async Task ReadAsync_FifoNobodyWritesTo_EndsWhenCancelledAndTheAbandonedOpenIsClosed()
    {
        using var folder = new TempFolder();
        var fifo = Fifo.Create(folder.Path);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        // The open blocks until a writer comes; cancelling must not wait for it.
        var reading = BoundedFileReader.ReadAsync(fifo, Limit, Refuse(), cancel.Token);
        var finished = await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(30), TestContext.CancellationToken));
        Assert.AreSame(reading, finished, "the read ended when cancelled");
        await Assert.ThrowsAsync<OperationCanceledException>(() => reading);

        // The abandoned open is still waiting for a writer: give it one. It then closes the FIFO without reading, so
        // this writer's open returns and nothing is left blocked in the test process.
        var writer = Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0).Dispose(), TestContext.CancellationToken);
        Assert.AreSame(writer, await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(30), TestContext.CancellationToken)), "the abandoned reader had the FIFO open");
    }

    private static Func<long?, Exception> Refuse(Action<long?>? seen = null) => length =>
    {
        seen?.Invoke(length);
        return new InvalidDataException("too large");
    };

    private static byte[] Bytes(int count)
    {
        var data = new byte[count];
        new Random(count).NextBytes(data);
        return data;
    }
}
