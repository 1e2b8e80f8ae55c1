using System.Collections.Concurrent;
using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Animation;

/// <summary>
/// Three threads call random members of one player for 1.5 s on a real 240 Hz timer link — play, pause, stop, seek, rate, mode,
/// loop count, current frame, statistics, trimming — while its event handlers call back into it (pause, seek, stop, play
/// again) and, in some rows, dispose it; other rows dispose it from a thread while the rest run. What must hold: nothing
/// deadlocks, members throw only what they document (<see cref="ObjectDisposedException"/> once disposed, an
/// out-of-range loop for a seek racing a loop-count change), indexes stay in range, and once disposed the player has left
/// the link, returned its whole budget, every frame it handed out can still be read until released, and once those and
/// the image are released no pixel buffer of any frame seen is still referenced.
/// </summary>
[TestClass]
public sealed class PlayerRandomOperationsTests
{
    private const int Threads = 3;
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(1.5);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(1, "animated-red-blue.gif", "end")]
    [DataRow(2, "TestImageAnimated.webp", "thread")]
    [DataRow(3, "animated-red-blue.apng", "handler")]
    [DataRow(4, "TestImageBlendAnimated.webp", "thread")]
    [DataRow(5, "anim-gr.gif", "handler")]
    public async Task RandomConcurrentCalls_NeverDeadlockThrowOnlyWhatIsDocumentedAndLeaveNothingBehind(int seed, string file, string disposeFrom)
    {
        using var links = new TimerDisplayLinkProvider(240);
        var budget = new FrameBudget(64L * 1024 * 1024);
        var image = AnimatedImage.Decode(Corpus.Read(file));
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget });
        var run = new PlayerCalls(player, image.FrameCount, disposeFrom == "handler" ? new Random(seed) : null);

        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() => run.Work(new Random((seed * 100) + t), s_duration)) { IsBackground = true }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        if (disposeFrom == "thread")
        {
            await Task.Delay(new Random(seed).Next(200, 1200), TestContext.CancellationToken);
            run.BeginDisposing();
            await player.DisposeAsync();
        }

        foreach (var thread in threads)
        {
            Assert.IsTrue(thread.Join(TimeSpan.FromSeconds(60)), "a thread calling the player never returned: deadlock");
        }

        run.BeginDisposing();
        player.Dispose();
        run.ReleaseKeptFrames();
        image.Dispose();

        Assert.IsEmpty(run.Problems, string.Join("\n", run.Problems.Take(8)));
        Assert.IsFalse(player.IsPlaying);
        Assert.IsTrue(Leaks.Eventually(() => links.GetDisplayLink().SubscriberCount == 0), "the disposed player left the link");
        Assert.AreEqual(0, budget.UsedBytes, "every buffered frame returned its budget");
        Assert.ThrowsExactly<ObjectDisposedException>(player.Play);
        var held = run.PixelBuffersSeen.Count(b => !b.IsReleased);
        Assert.AreEqual(0, held, $"every frame's pixels were let go by the player, the test and the image: {held} of {run.PixelBuffersSeen.Count} still held");
        TestContext.WriteLine($"seed {seed}: {run.Summary}");
    }

    /// <summary>The calls, the reentrant handlers, and what each may end with.</summary>
    private sealed class PlayerCalls
    {
        private readonly AnimatedImagePlayer _player;
        private readonly int _frameCount;
        private readonly ConcurrentDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<ImageFrame> _kept = new();
        private readonly ConcurrentDictionary<long, PixelBuffer> _buffers = new();
        private int _disposing;

        public PlayerCalls(AnimatedImagePlayer player, int frameCount, Random? disposeInHandler)
        {
            _player = player;
            _frameCount = frameCount;
            var handlerRandom = new Random(frameCount);
            player.FrameChanged += (_, e) =>
            {
                Check(e.Index >= 0 && e.Index < frameCount, $"FrameChanged index {e.Index} of {frameCount}");
                Check(e.Frame.Width > 0 && e.Frame.Pixels.Length > 0, "FrameChanged with an empty frame");
                _buffers.TryAdd(e.Frame.Buffer.Id, e.Frame.Buffer);
                int pick;
                lock (handlerRandom)
                {
                    pick = handlerRandom.Next(300);
                }

                Call("handler", () =>
                {
                    switch (pick)
                    {
                        case 0:
                            _player.Pause();
                            break;
                        case 1:
                            _player.SeekToFrame(0);
                            break;
                        case 2:
                            _player.Stop();
                            break;
                        case 3 when disposeInHandler is not null:
                            BeginDisposing();
                            _player.Dispose();
                            break;
                    }
                });
            };
            player.LoopCompleted += (_, e) => Check(e.Loop >= 0, $"LoopCompleted loop {e.Loop}");
            player.Finished += (_, _) => Call("handler", () =>
            {
                lock (handlerRandom)
                {
                    if (handlerRandom.Next(2) == 0)
                    {
                        return;
                    }
                }

                _player.Play();
            });
        }

        public ConcurrentQueue<string> Problems { get; } = new();

        /// <summary>The pixel buffers of every frame the test saw: none may stay referenced once everything is disposed.</summary>
        public ICollection<PixelBuffer> PixelBuffersSeen => _buffers.Values;

        public string Summary => string.Join(", ", _outcomes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));

        private bool Disposing => Volatile.Read(ref _disposing) != 0;

        public void BeginDisposing() => Volatile.Write(ref _disposing, 1);

        public void Work(Random random, TimeSpan duration)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                var kind = random.Next(12);
                var value = random.Next(1000);
                Call(kind.ToString(System.Globalization.CultureInfo.InvariantCulture), () => Operate(kind, value));
                if (random.Next(4) == 0)
                {
                    Thread.Sleep(random.Next(3));
                }
            }
        }

        public void ReleaseKeptFrames()
        {
            while (_kept.TryDequeue(out var frame))
            {
                // A frame handed out stays readable until its lease is released, whatever the player did since.
                Check(frame.Pixels.Length > 0, "a kept frame lost its pixels");
                frame.Dispose();
            }
        }

        private void Operate(int kind, int value)
        {
            switch (kind)
            {
                case 0 or 1:
                    _player.Play();
                    break;
                case 2:
                    _player.Pause();
                    break;
                case 3:
                    _player.Stop();
                    break;
                case 4:
                    _player.SeekToFrame(value % _frameCount, value % 3);
                    break;
                case 5:
                    _player.PlaybackRate = 0.25 + (value % 400 / 4.0);
                    break;
                case 6:
                    _player.PlaybackMode = (PlaybackMode)(value % 4);
                    break;
                case 7:
                    _player.TotalLoopCount = value % 4;
                    break;
                case 8:
                    if (_player.GetCurrentFrame() is { } frame)
                    {
                        _buffers.TryAdd(frame.Buffer.Id, frame.Buffer);
                        if (value % 2 == 0)
                        {
                            _kept.Enqueue(frame);
                        }
                        else
                        {
                            frame.Dispose();
                        }
                    }

                    break;
                case 9:
                    var index = _player.CurrentFrameIndex;
                    Check(index >= 0 && index < _frameCount, $"CurrentFrameIndex {index} of {_frameCount}");
                    Check(_player.CurrentLoop >= 0, $"CurrentLoop {_player.CurrentLoop}");
                    break;
                case 10:
                    var statistics = _player.Statistics;
                    Check(statistics.FramesShown >= 0 && statistics.FramesSkipped >= 0, "negative statistics");
                    break;
                default:
                    _player.TrimBuffer();
                    break;
            }
        }

        private void Call(string what, Action action)
        {
            try
            {
                action();
                Count("ok");
            }
            catch (ObjectDisposedException) when (Disposing)
            {
                Count("disposed");
            }
            catch (ArgumentOutOfRangeException e) when (e.ParamName == "loop")
            {
                Count("seek past the loop count"); // another thread lowered TotalLoopCount meanwhile
            }
            catch (Exception e)
            {
                Problems.Enqueue($"{what}: {e.GetType().Name}: {e.Message} (disposing: {Disposing})\n{e.StackTrace}");
            }
        }

        private void Check(bool condition, string problem)
        {
            if (!condition)
            {
                Problems.Enqueue(problem);
            }
        }

        private void Count(string outcome) => _outcomes.AddOrUpdate(outcome, 1, static (_, n) => n + 1);
    }
}
