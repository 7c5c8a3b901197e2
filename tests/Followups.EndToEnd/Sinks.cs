using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Followups.EndToEnd;

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
