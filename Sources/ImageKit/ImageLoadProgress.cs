namespace ImageKit;

/// <summary>How far a load has come: bytes received so far and, when the server said, how many to expect.</summary>
/// <param name="BytesReceived">Bytes received so far.</param>
/// <param name="BytesExpected">The total, when known.</param>
public sealed record ImageLoadProgress(long BytesReceived, long? BytesExpected);
