using System.Buffers.Binary;
using System.Globalization;

namespace ImageKit.Decoding.Apng;

internal sealed partial class ApngReader
{
    private readonly List<ApngFrame> _frames = [];
    private readonly List<ApngDataSegment> _pendingSegments = [];
    private ApngFrameControl? _pending;
    private bool _pendingUsesIdat;
    private int _pendingOffset;
    private uint _nextSequence;

    private void ReadFrameControl(PngChunk chunk, ReadOnlySpan<byte> data)
    {
        if (_animationIgnored)
        {
            return;
        }

        if (chunk.Length != ApngFrameControl.Size)
        {
            throw new ImageDecodingException(
                string.Create(CultureInfo.InvariantCulture, $"the fcTL chunk at byte {chunk.Offset:N0} is {chunk.Length} bytes long, not {ApngFrameControl.Size}"));
        }

        var payload = chunk.GetData(data);
        CheckSequence(chunk, payload);
        FinishPendingFrame();
        if (!_firstFrameOnly && _frames.Count >= _limits.MaxFrameCount)
        {
            throw new ImageLimitExceededException(
                string.Create(CultureInfo.InvariantCulture, $"the image has more than {_limits.MaxFrameCount:N0} frames, the limit (DecodingLimits.MaxFrameCount)"));
        }

        var control = ApngFrameControl.Parse(payload, _width, _height, _frames.Count);

        // An fcTL before the image data makes the IDAT image frame 0, which the spec requires to fill the canvas.
        if (!_seenIdat && !control.Covers(_width, _height))
        {
            throw new ImageDecodingException(
                $"frame 0 is the IDAT image, so its fcTL must cover the {_width}x{_height} canvas, but it is {control.Width}x{control.Height} at ({control.X}, {control.Y})");
        }

        _pending = control;
        _pendingUsesIdat = !_seenIdat;
        _pendingOffset = chunk.Offset;
    }

    private void ReadFrameData(PngChunk chunk, ReadOnlySpan<byte> data)
    {
        if (_animationIgnored)
        {
            return;
        }

        if (chunk.Length < 4)
        {
            throw new ImageDecodingException(string.Create(CultureInfo.InvariantCulture, $"the fdAT chunk at byte {chunk.Offset:N0} is too short to hold a sequence number"));
        }

        CheckSequence(chunk, chunk.GetData(data));
        if (_pending is null || _pendingUsesIdat)
        {
            throw new ImageDecodingException(string.Create(CultureInfo.InvariantCulture, $"the fdAT chunk at byte {chunk.Offset:N0} has no fcTL before it"));
        }

        _pendingSegments.Add(new ApngDataSegment(chunk.DataOffset + 4, chunk.Length - 4));
    }

    private void ReadImageData(PngChunk chunk)
    {
        if (_idatEnded)
        {
            throw new ImageDecodingException(string.Create(CultureInfo.InvariantCulture, $"the IDAT chunk at byte {chunk.Offset:N0} is separated from the other IDAT chunks"));
        }

        _seenIdat = true;
        if (_pending is not null && _pendingUsesIdat)
        {
            _pendingSegments.Add(new ApngDataSegment(chunk.DataOffset, chunk.Length));
        }
    }

    // fcTL and fdAT share one sequence that starts at 0 and counts up by one: the only way to notice a missing,
    // repeated or reordered chunk.
    private void CheckSequence(PngChunk chunk, ReadOnlySpan<byte> payload)
    {
        var sequence = BinaryPrimitives.ReadUInt32BigEndian(payload);
        if (sequence != _nextSequence)
        {
            throw new ImageDecodingException(
                string.Create(CultureInfo.InvariantCulture, $"the {chunk.Name} chunk at byte {chunk.Offset:N0} has sequence number {sequence:N0}, expected {_nextSequence:N0} (animation chunks missing, repeated or out of order)"));
        }

        _nextSequence++;
    }

    private void FinishPendingFrame()
    {
        if (_pending is not { } control)
        {
            return;
        }

        if (_pendingSegments.Count == 0)
        {
            throw new ImageDecodingException(
                string.Create(CultureInfo.InvariantCulture, $"frame {_frames.Count}'s fcTL at byte {_pendingOffset:N0} is not followed by any image data"));
        }

        _frames.Add(new ApngFrame(control, [.. _pendingSegments]));
        _pendingSegments.Clear();
        _pending = null;
    }
}
