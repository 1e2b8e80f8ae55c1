namespace ImageKit.Loading.Internal;

/// <summary>Where a body read starts and how far it got; written only by the read in progress.</summary>
internal sealed class BodyCursor
{
    /// <summary>Starts at the beginning of an empty body, or after the bytes of <paramref name="resumed"/>.</summary>
    public BodyCursor(PartialBody? resumed)
    {
        Buffer = resumed?.Buffer;
        Received = resumed?.Count ?? 0;
    }

    /// <summary>The array being read into; <see langword="null"/> until the read allocates one.</summary>
    public byte[]? Buffer { get; set; }

    /// <summary>
    /// Whether <see cref="Buffer"/> was allocated on the pinned object heap by this read (it never moves, so an image can
    /// keep it as its encoded data without a copy). A resumed body's buffer counts as not pinned.
    /// </summary>
    public bool BufferPinned { get; set; }

    /// <summary>How many bytes of <see cref="Buffer"/> are the body's.</summary>
    public int Received { get; set; }
}
