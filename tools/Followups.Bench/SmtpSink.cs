using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Followups.Bench;

/// <summary>
/// A real SMTP server in the benchmark's process (the SmtpServer package), as in the end-to-end tests' Sinks.cs; it
/// only counts what it accepts, so the sink costs the measured system as little as possible.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly SmtpServer.SmtpServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private long _messages;

    public SmtpSink()
    {
        Port = Ports.Free();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("followups-bench-sink")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add((IEndpointListenerFactory)new NoDelayListeners());
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>The services' settings that point them at this sink.</summary>
    public string[] Settings => ["--Notifier:Smtp:Host=127.0.0.1", $"--Notifier:Smtp:Port={Port}"];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _server.Shutdown();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref sink._messages);
            return Task.FromResult(SmtpResponse.Ok);
        }
    }

    /// <summary>
    /// Plain connections with Nagle's algorithm off. The package's own listener leaves it on, and a reply written in two
    /// pieces then waited for the client's delayed ACK: measured here, 44 ms per message against 0.4 ms with this
    /// listener (MailKit, one connection, 3 KB messages). An MTA such as Postfix writes pipelined replies at once, so the
    /// stall was the sink's, and it capped the notices/s the benchmark could see.
    /// </summary>
    private sealed class NoDelayListeners : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition definition)
        {
            var listener = new TcpListener(definition.Endpoint);
            listener.Start();
            return new Listener(listener);
        }
    }

    private sealed class Listener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var socket = await listener.AcceptSocketAsync(cancellationToken);
            socket.NoDelay = true;
            return new PlainPipe(new NetworkStream(socket, ownsSocket: true));
        }

        public void Dispose() => listener.Stop();
    }

    private sealed class PlainPipe(NetworkStream stream) : ISecurableDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(stream);
        public PipeWriter Output { get; } = PipeWriter.Create(stream);
        public bool IsSecure => false;
        public SslProtocols SslProtocol => SslProtocols.None;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the benchmark's sink speaks plain SMTP only");

        public void Dispose() => stream.Dispose();
    }
}
