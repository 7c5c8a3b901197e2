using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Followups.EndToEnd;

/// <summary>A real SMTP server in the test process (the SmtpServer package) that keeps every message it accepts.</summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private SmtpServer.SmtpServer? _server;
    private Task? _running;
    private CancellationTokenSource? _stop;

    public int Port { get; } = ServiceProcess.FreePort();
    public IReadOnlyList<MimeMessage> Messages => _messages.ToArray();

    /// <summary>The services' settings that point them at this sink.</summary>
    public string[] Settings => ["--Notifier:Smtp:Host=127.0.0.1", $"--Notifier:Smtp:Port={Port}"];

    public static SmtpSink Started()
    {
        var sink = new SmtpSink();
        sink.Start();
        return sink;
    }

    public void Start()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("followups-test-sink")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new ServiceProvider();
        services.Add(new Store(_messages));
        _server = new SmtpServer.SmtpServer(options, services);
        _stop = new CancellationTokenSource();
        _running = _server.StartAsync(_stop.Token);
    }

    /// <summary>The messages addressed to <paramref name="address"/>.</summary>
    public IReadOnlyList<MimeMessage> To(string address) =>
        Messages.Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>
    /// Stops listening, as a mail server taken down would: new connections are refused; a session already talking is let
    /// finish, so a message is either accepted and answered or never accepted. <see cref="Start"/> listens again on the same port.
    /// </summary>
    public async Task Stop()
    {
        if (_server is null)
        {
            return;
        }

        _server.Shutdown();
        if (await Task.WhenAny(_running!, Task.Delay(TimeSpan.FromSeconds(10))) != _running)
        {
            await _stop!.CancelAsync();
        }

        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
        }

        _stop!.Dispose();
        _server = null;
    }

    public async ValueTask DisposeAsync() => await Stop();

    private sealed class Store(ConcurrentQueue<MimeMessage> messages) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}

/// <summary>
/// A real HTTP receiver (Kestrel) of webhook POSTs that checks what any receiver should: the HMAC-SHA256 signature over
/// <c>"{timestamp}.{body}"</c> with the shared secret, and a timestamp within five minutes of its own clock.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _accepted = new();
    private int _hits;

    private WebhookReceiver(string secret, Func<DateTimeOffset> now)
    {
        Port = ServiceProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref _hits);
            if (AnswerWith is { } forced)
            {
                return Results.StatusCode(forced);
            }

            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var timestamp = request.Headers["X-Followups-Timestamp"].ToString();
            var signature = request.Headers["X-Followups-Signature"].ToString();
            if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                || Math.Abs(now().ToUnixTimeSeconds() - seconds) > 300)
            {
                Rejected++;
                return Results.StatusCode(401);
            }

            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
            {
                Rejected++;
                return Results.StatusCode(401);
            }

            _accepted.Enqueue(body);
            return Results.NoContent();
        });
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hook";

    /// <summary>When set, every POST is answered with this status, as a broken receiver would.</summary>
    public int? AnswerWith { get; set; }
    public int Hits => _hits;
    public int Rejected { get; private set; }
    public IReadOnlyList<string> Accepted => _accepted.ToArray();

    public static async Task<WebhookReceiver> Start(string secret, Func<DateTimeOffset> now)
    {
        var receiver = new WebhookReceiver(secret, now);
        await receiver._app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
