using System.Buffers;
using System.Net;
using SmtpServer;
using SmtpServer.ComponentModel;
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
        Port = Hosts.FreePort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("followups-bench-sink")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
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
}
