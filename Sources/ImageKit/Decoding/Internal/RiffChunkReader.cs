using System.Buffers.Binary;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Walks a run of RIFF chunks (a WebP file's after its 12-byte header, or an ANMF frame's after its 16-byte frame header)
/// by their headers alone: four-character type, little-endian payload size, payload padded to an even length. Nothing is
/// allocated. The walk ends at the end of the data; a chunk whose payload runs past it is still returned, and is the last.
/// </summary>
internal ref struct RiffChunkReader
{
    private readonly ReadOnlySpan<byte> _chunks;
    private int _offset;
    private bool _ended;

    public RiffChunkReader(ReadOnlySpan<byte> chunks) => _chunks = chunks;

    /// <summary>The current chunk's four-character type.</summary>
    public ReadOnlySpan<byte> Type { get; private set; }

    /// <summary>The current chunk's payload, as much of it as the data holds.</summary>
    public ReadOnlySpan<byte> Payload { get; private set; }

    /// <summary>Where the current chunk starts in the run (its type).</summary>
    public int Start { get; private set; }

    /// <summary>Where the current chunk ends in the run, after its padding byte (past the end of the run when it is cut off).</summary>
    public int End => _offset;

    /// <summary>Whether the current chunk's whole payload is in the data.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Moves to the next chunk; <see langword="false"/> when the walk has ended.</summary>
    public bool MoveNext()
    {
        if (_ended || _offset + 8 > _chunks.Length)
        {
            return false;
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(_chunks[(_offset + 4)..]);
        var available = Math.Min((long)size, _chunks.Length - _offset - 8);
        Start = _offset;
        Type = _chunks.Slice(_offset, 4);
        Payload = _chunks.Slice(_offset + 8, (int)available);
        IsComplete = available == size;
        _ended = !IsComplete;
        _offset += 8 + (int)available + (int)(size & 1); // past the end after an incomplete chunk: the walk has ended
        return true;
    }
}
