using System.Net;
using System.Net.Sockets;

namespace Followups.Testing;

/// <summary>Ports for the servers a test (or the benchmark tool, which compiles this file in) starts.</summary>
public static class Ports
{
    // Below Linux's ephemeral range (32768-60999 by default), from which the kernel picks the local port of every
    // outgoing connection.
    private const int Lowest = 20_000;
    private const int Count = 12_000;

    // A random start, so that test processes running side by side (one per test project) rarely ask for the same port.
    private static int _next = Random.Shared.Next(Count);

    /// <summary>
    /// A loopback port nothing listens on at the moment of asking, and one no other call in this process was given. Not a
    /// port the kernel hands out for port 0: once released, it soon became the local port of some parallel test's
    /// outgoing connection, and the server started on it later failed with "address already in use" (a full run did).
    /// </summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = Lowest + ((Interlocked.Increment(ref _next) & int.MaxValue) % Count);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: by another test process, or a server of this machine.
            }
        }

        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Lowest + Count - 1}");
    }
}
