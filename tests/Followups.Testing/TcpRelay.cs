using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Followups.Testing;

/// <summary>
/// Relays TCP connections from a loopback port to a server's port, so a test can take the server off the network
/// without stopping it: <see cref="Stop"/> closes the listener (new connections are refused) and drops each open
/// connection at its next quiet moment, when the last bytes went from the server to the client and none are on their way.
/// </summary>
internal sealed class TcpRelay
{
    private static readonly TimeSpan DropAnywayAfter = TimeSpan.FromSeconds(5);
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly ConcurrentDictionary<Connection, byte> _open = new();
    private readonly Task _accepting;

    private TcpRelay(int port, int target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, port);
        // Listening again on the port of a stopped relay, whose dropped connections may linger in TIME_WAIT.
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = Accept();
    }

    public static TcpRelay Start(int port, int target) => new(port, target);

    public async Task Stop()
    {
        _listener.Stop();
        await _accepting;
        foreach (var connection in _open.Keys)
        {
            connection.DropWhenQuiet();
        }

        // A client that sent half a command keeps its connection busy; it is dropped after a few seconds anyway.
        var waited = Stopwatch.StartNew();
        while (!_open.IsEmpty && waited.Elapsed < DropAnywayAfter)
        {
            await Task.Delay(20);
        }

        foreach (var connection in _open.Keys)
        {
            connection.Drop();
        }
    }

    private async Task Accept()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Relay(client);
        }
    }

    private async Task Relay(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target);
        }
        catch (SocketException)
        {
            client.Dispose();
            server.Dispose();
            return;
        }

        var connection = new Connection(client, server);
        _open[connection] = 0;
        try
        {
            await connection.Run();
        }
        finally
        {
            _open.TryRemove(connection, out _);
        }
    }

    private sealed class Connection(Socket client, Socket server)
    {
        private readonly Lock _gate = new();
        private bool _quiet = true;
        private bool _dropRequested;
        private bool _dropped;

        public async Task Run()
        {
            await Task.WhenAny(Pump(client, server, toClient: false), Pump(server, client, toClient: true));
            Drop();
        }

        public void DropWhenQuiet()
        {
            lock (_gate)
            {
                _dropRequested = true;
                if (_quiet)
                {
                    DropHeld();
                }
            }
        }

        public void Drop()
        {
            lock (_gate)
            {
                DropHeld();
            }
        }

        private async Task Pump(Socket from, Socket to, bool toClient)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0)
                    {
                        return;
                    }

                    lock (_gate)
                    {
                        // Bytes that arrive after the drop never reach the other side: a command the server never saw.
                        if (_dropped)
                        {
                            return;
                        }

                        _quiet = false;
                    }

                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                    if (toClient)
                    {
                        lock (_gate)
                        {
                            _quiet = true;
                            if (_dropRequested)
                            {
                                DropHeld();
                            }
                        }
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        private void DropHeld()
        {
            if (_dropped)
            {
                return;
            }

            _dropped = true;
            // A reset, as a host going away leaves its peers with.
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            server.Dispose();
        }
    }
}
