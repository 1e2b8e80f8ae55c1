using ImageKit.Display;

namespace ImageKit.Tests.Display;

[TestClass]
public sealed class DisplayLinkTests
{
    [TestMethod]
    public void Subscribe_BackendFailsToStart_ThrowsAndLeavesTheLinkIdleAndRetriesNextTime()
    {
        using var link = new FlakyLink { FailStarts = 1 };
        var target = new NullTarget();

        Assert.Throws<InvalidOperationException>(() => link.Subscribe(target));
        Assert.IsFalse(link.IsRunning);
        Assert.AreEqual(0, link.SubscriberCount, "the failed subscription was removed");

        using var subscription = link.Subscribe(target);
        Assert.IsTrue(link.IsRunning);
        Assert.AreEqual(2, link.Starts);
    }

    [TestMethod]
    public void Dispose_Twice_StopsOnce()
    {
        var link = new FlakyLink();
        link.Subscribe(new NullTarget());
        link.Dispose();
        link.Dispose();
        Assert.AreEqual(1, link.Stops);
    }

    private sealed class FlakyLink : DisplayLink
    {
        public int FailStarts { get; set; }

        public int Starts { get; private set; }

        public int Stops { get; private set; }

        public override TimeSpan RefreshPeriod => TimeSpan.FromMilliseconds(16);

        protected override void StartCore()
        {
            Starts++;
            if (FailStarts-- > 0)
            {
                throw new InvalidOperationException("no display");
            }
        }

        protected override void StopCore() => Stops++;
    }

    private sealed class NullTarget : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
        }
    }
}
