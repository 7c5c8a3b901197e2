using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Followups.Testing;

/// <summary>
/// A real SMTP server in the test process (the SmtpServer package) that keeps every message it accepts. With a
/// <see cref="Certificate"/> it offers STARTTLS, or speaks TLS from the first byte when <see cref="ImplicitTls"/>; with
/// <see cref="Credentials"/> it requires authentication (over TLS only) and refuses any other user or password.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly ConcurrentQueue<(bool Secure, string? User)> _sessions = new();
    private readonly int _serverPort = Ports.Free();
    private SmtpServer.SmtpServer? _server;
    private Task? _running;
    private CancellationTokenSource? _stop;
    private int _connections;
    private TcpRelay? _relay;

    /// <summary>The port the notifier is given. A relay listens there in front of the SMTP server, so that <see cref="Stop"/> can take the server off the network.</summary>
    public int Port { get; } = Ports.Free();
    public IReadOnlyList<MimeMessage> Messages => _messages.ToArray();

    /// <summary>For each accepted message: whether its session was encrypted, and the user it authenticated as.</summary>
    public IReadOnlyList<(bool Secure, string? User)> Deliveries => _sessions.ToArray();

    /// <summary>The messages addressed to <paramref name="address"/>.</summary>
    public IReadOnlyList<MimeMessage> To(string address) =>
        Messages.Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>SMTP sessions (TCP connections) opened to this sink so far.</summary>
    public int Connections => _connections;

    public X509Certificate2? Certificate { get; init; }
    public bool ImplicitTls { get; init; }
    public (string User, string Password)? Credentials { get; init; }

    /// <summary>The services' settings that point them at this sink.</summary>
    public string[] Settings => ["--Notifier:Smtp:Host=127.0.0.1", $"--Notifier:Smtp:Port={Port}"];

    public static SmtpSink Started()
    {
        var sink = new SmtpSink();
        sink.Start();
        return sink;
    }

    /// <summary>A self-signed certificate for <c>localhost</c> and 127.0.0.1, made in memory for one test.</summary>
    public static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=followups-test-sink", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        // Through PKCS#12 so that the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Listens on <see cref="Port"/>: the first time, with a new SMTP server behind it; after <see cref="Stop"/>, again in front of the same one.</summary>
    public void Start()
    {
        _server ??= StartServer();
        _relay = TcpRelay.Start(Port, _serverPort);
    }

    private SmtpServer.SmtpServer StartServer()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("followups-test-sink")
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Loopback, _serverPort));
                if (Certificate is not null)
                {
                    e.Certificate(Certificate).IsSecure(ImplicitTls);
                }

                if (Credentials is not null)
                {
                    e.AuthenticationRequired().AllowUnsecureAuthentication(false);
                }
            })
            .Build();
        var services = new ServiceProvider();
        services.Add(new Store(_messages, _sessions));
        if (Credentials is { } expected)
        {
            services.Add(new DelegatingUserAuthenticator((user, password) => user == expected.User && password == expected.Password));
        }

        var server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, _) => Interlocked.Increment(ref _connections);
        _stop = new CancellationTokenSource();
        _running = server.StartAsync(_stop.Token);
        return server;
    }

    /// <summary>
    /// Takes the server off the network, as a mail server taken down would look to its clients: new connections are
    /// refused, and every open one is dropped at its next quiet moment (after the server's reply to what the client last
    /// sent), so a message is either accepted and answered or never accepted. <see cref="Start"/> listens again on the same port.
    /// </summary>
    public async Task Stop()
    {
        if (_relay is { } relay)
        {
            _relay = null;
            await relay.Stop();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stop();
        if (_server is null)
        {
            return;
        }

        _server.Shutdown();
        await _stop!.CancelAsync();
        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _server = null;
    }

    private sealed class Store(ConcurrentQueue<MimeMessage> messages, ConcurrentQueue<(bool, string?)> sessions) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            // The whole message has arrived: it is accepted whatever happens meanwhile, as a server that answered DATA would.
            // Cancelling the parse would answer 554, a permanent refusal no real outage gives.
            using var stream = new MemoryStream(buffer.ToArray());
            messages.Enqueue(await MimeMessage.LoadAsync(stream, CancellationToken.None));
            sessions.Enqueue((context.Pipe.IsSecure, context.Authentication.IsAuthenticated ? context.Authentication.User : null));
            return SmtpResponse.Ok;
        }
    }
}
