using MassTransit;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Followups.EndToEnd;

/// <summary>
/// A real RabbitMQ on localhost (started through <c>deploy/scripts/rabbitmq.sh</c> when it is not running) with a
/// virtual host of its own for each test class, so no queue or message leaks between tests or runs.
/// </summary>
public sealed class RabbitMq : IAsyncLifetime
{
    private readonly HttpClient _management = new() { BaseAddress = new Uri("http://127.0.0.1:15672") };

    public string VirtualHost { get; } = "followups-e2e-" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        if (!PortOpen(5672))
        {
            Scripts.Run("rabbitmq.sh", "ensure");
        }

        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        (await _management.PutAsJsonAsync($"/api/vhosts/{VirtualHost}", new { })).EnsureSuccessStatusCode();
        (await _management.PutAsJsonAsync($"/api/permissions/{VirtualHost}/guest", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
    }

    /// <summary>Messages waiting in each queue of this virtual host, by queue name.</summary>
    public async Task<Dictionary<string, long>> QueueDepths()
    {
        var queues = await _management.GetFromJsonAsync<JsonArray>($"/api/queues/{VirtualHost}");
        return queues!.ToDictionary(q => q!["name"]!.GetValue<string>(), q => q!["messages"]?.GetValue<long>() ?? 0);
    }

    /// <summary>Publishes <paramref name="message"/> on this virtual host as any MassTransit service would.</summary>
    public Task Publish<T>(T message) where T : class => Publish(5672, VirtualHost, message);

    /// <summary>Publishes through a short-lived MassTransit bus of the test's own, as a service would.</summary>
    internal static async Task Publish<T>(ushort port, string virtualHost, T message) where T : class
    {
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host("localhost", port, virtualHost, h =>
        {
            h.Username("guest");
            h.Password("guest");
        }));
        await bus.StartAsync();
        try
        {
            await bus.Publish(message);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    /// <summary>The AMQP headers of the first message in <paramref name="queue"/>, which stays in the queue.</summary>
    public async Task<JsonObject> PeekHeaders(string queue)
    {
        var response = await _management.PostAsJsonAsync(
            $"/api/queues/{VirtualHost}/{queue}/get", new { count = 1, ackmode = "ack_requeue_true", encoding = "auto" });
        response.EnsureSuccessStatusCode();
        var messages = await response.Content.ReadFromJsonAsync<JsonArray>();
        return messages![0]!["properties"]!["headers"]!.AsObject();
    }

    public async Task DisposeAsync()
    {
        await _management.DeleteAsync($"/api/vhosts/{VirtualHost}");
        _management.Dispose();
    }

    internal static bool PortOpen(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
