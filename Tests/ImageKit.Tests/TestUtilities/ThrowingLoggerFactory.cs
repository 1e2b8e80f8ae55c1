using Microsoft.Extensions.Logging;

namespace ImageKit.Tests.TestUtilities;

/// <summary>An application's logger factory that fails: <see cref="CreateLogger"/> throws "app factory failed".</summary>
internal sealed class ThrowingLoggerFactory : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => throw new InvalidOperationException("app factory failed");

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
