using System.Net;
using System.Net.Sockets;

namespace ImageKit.Loading.Internal;

/// <summary>
/// Connecting to a host name with several addresses as RFC 8305 ("Happy Eyeballs v2") asks: the addresses in an order
/// that alternates IPv6 and IPv4 (starting with the resolver's first choice), one attempt started every
/// <see cref="AttemptDelay"/> or as soon as the one before failed, the first connection made wins and the others are
/// closed. <see cref="SocketsHttpHandler"/> tries the addresses one after another and waits for each to fail, which on a
/// network whose IPv6 is broken (a dead route, a CGNAT or tunnel that drops it: the SYN goes unanswered) costs the whole
/// per-attempt timeout and then the next attempt goes to the same dead address: every load fails, where Safari, curl and
/// URLSession (under SDWebImage, Kingfisher and Nuke) connect over IPv4 a quarter of a second later. .NET 10 has no
/// built-in equivalent, so it is written here, in the handler's connect callback.
/// </summary>
internal static class HappyEyeballs
{
    /// <summary>The Connection Attempt Delay of RFC 8305 §5 (its recommended value).</summary>
    public static readonly TimeSpan AttemptDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// <paramref name="addresses"/> in the order to try them (RFC 8305 §4): the families alternate, starting with the
    /// family of the first address (the resolver has already sorted them by the system's preference, RFC 6724); within a
    /// family the resolver's order is kept. Duplicates are dropped.
    /// </summary>
    public static IPAddress[] Order(IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            return [];
        }

        var first = addresses[0].AddressFamily;
        var preferred = new Queue<IPAddress>();
        var other = new Queue<IPAddress>();
        var seen = new HashSet<IPAddress>();
        foreach (var address in addresses)
        {
            if (seen.Add(address))
            {
                (address.AddressFamily == first ? preferred : other).Enqueue(address);
            }
        }

        var ordered = new List<IPAddress>(seen.Count);
        while (preferred.Count > 0 || other.Count > 0)
        {
            if (preferred.TryDequeue(out var next))
            {
                ordered.Add(next);
            }

            if (other.TryDequeue(out next))
            {
                ordered.Add(next);
            }
        }

        return [.. ordered];
    }

    /// <summary>
    /// Connects to one of <paramref name="addresses"/> on <paramref name="port"/>: attempts staggered by
    /// <paramref name="delay"/>, the first that connects returned, the others cancelled and their sockets given to
    /// <paramref name="discard"/>. Throws the last attempt's failure when all of them fail.
    /// </summary>
    /// <param name="addresses">The host's addresses, in the resolver's order.</param>
    /// <param name="port">The port to connect to.</param>
    /// <param name="open">Creates the socket of one attempt (the caller keeps track of it).</param>
    /// <param name="discard">Closes the socket of an attempt that failed or lost.</param>
    /// <param name="delay">How long an attempt has before the next one starts beside it.</param>
    /// <param name="cancellationToken">Cancels every attempt.</param>
    public static async Task<Socket> ConnectAsync(
        IReadOnlyList<IPAddress> addresses, int port, Func<AddressFamily, Socket> open, Action<Socket> discard, TimeSpan delay, CancellationToken cancellationToken)
    {
        var ordered = Order(addresses);
        using var attempts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new List<Task<Socket>>(ordered.Length);
        Exception? lastFailure = null;
        var next = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (next < ordered.Length)
                {
                    pending.Add(AttemptAsync(ordered[next++], port, open, discard, attempts.Token));
                }

                // Wait for an attempt to end, or for the delay after which the next one starts anyway.
                var timer = next < ordered.Length ? Task.Delay(delay, attempts.Token) : null;
                while (true)
                {
                    if (pending.Count == 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(lastFailure ?? new SocketException((int)SocketError.HostNotFound));
                    }

                    var ended = timer is null ? await Task.WhenAny(pending).ConfigureAwait(false) : await Task.WhenAny([.. pending, timer]).ConfigureAwait(false);
                    if (ended == timer)
                    {
                        break;
                    }

                    var attempt = (Task<Socket>)ended;
                    pending.Remove(attempt);
                    if (attempt.IsCompletedSuccessfully)
                    {
                        return attempt.Result;
                    }

                    lastFailure = attempt.Exception?.InnerException ?? new OperationCanceledException(cancellationToken);
                    if (next < ordered.Length)
                    {
                        break; // a failed attempt starts the next one at once
                    }
                }
            }
        }
        finally
        {
            // The losers: cancelled, and closed even if one connects at this very moment.
            await attempts.CancelAsync().ConfigureAwait(false);
            foreach (var loser in pending)
            {
                _ = loser.ContinueWith(
                    static (t, state) =>
                    {
                        if (t.IsCompletedSuccessfully)
                        {
                            ((Action<Socket>)state!)(t.Result);
                        }
                        else if (t.IsFaulted)
                        {
                            _ = t.Exception; // observed: a loser's failure is no news (TaskScheduler.UnobservedTaskException)
                        }
                    },
                    discard,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }

    private static async Task<Socket> AttemptAsync(IPAddress address, int port, Func<AddressFamily, Socket> open, Action<Socket> discard, CancellationToken cancellationToken)
    {
        var socket = open(address.AddressFamily);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            discard(socket);
            throw;
        }
    }
}
