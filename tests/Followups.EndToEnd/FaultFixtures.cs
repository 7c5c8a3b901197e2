using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Followups.EndToEnd;

/// <summary>
/// A RabbitMQ node of the fault tests' own (own name, ports and data), so that stopping the broker disturbs no other test.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncLifetime
{
    private readonly string _name = "faults-" + Guid.NewGuid().ToString("N")[..8];
    private HttpClient _management = null!;

    public int AmqpPort { get; } = ServiceProcess.FreePort();
    public int ManagementPort { get; } = ServiceProcess.FreePort();

    public Task InitializeAsync()
    {
        if (!RabbitMq.PortOpen(5672))
        {
            Scripts.Run("rabbitmq.sh", "ensure");
        }

        Scripts.Run("rabbitmq-node.sh", "start", _name, Text(AmqpPort), Text(ManagementPort), Text(ServiceProcess.FreePort()));
        _management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ManagementPort}") };
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        return Task.CompletedTask;
    }

    /// <summary>Closes every connection and refuses new ones; queues and persistent messages are kept.</summary>
    public void StopBroker() => Scripts.Run("rabbitmq-node.sh", "stop-app", _name);

    public void StartBroker() => Scripts.Run("rabbitmq-node.sh", "start-app", _name);

    public string[] Settings() => ["--Bus:Transport=RabbitMq", $"--Bus:Port={AmqpPort}"];

    public async Task<Dictionary<string, long>> QueueDepths()
    {
        var queues = await _management.GetFromJsonAsync<JsonArray>("/api/queues/%2F");
        return queues!.ToDictionary(q => q!["name"]!.GetValue<string>(), q => q!["messages"]?.GetValue<long>() ?? 0);
    }

    /// <summary>Messages waiting in <paramref name="queue"/> right now, read by fetching and requeueing them (the queue statistics lag by seconds).</summary>
    public async Task<int> WaitingIn(string queue)
    {
        using var response = await _management.PostAsJsonAsync($"/api/queues/%2F/{queue}/get", new { count = 100, ackmode = "ack_requeue_true", encoding = "auto" });
        return response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonArray>())!.Count : 0;
    }

    /// <summary>Deletes every message waiting in <paramref name="queue"/>.</summary>
    public async Task Purge(string queue) => (await _management.DeleteAsync($"/api/queues/%2F/{queue}/contents")).EnsureSuccessStatusCode();

    public Task Publish<T>(T message) where T : class => RabbitMq.Publish((ushort)AmqpPort, "/", message);

    public Task DisposeAsync()
    {
        _management?.Dispose();
        Scripts.Run("rabbitmq-node.sh", "stop", _name);
        return Task.CompletedTask;
    }

    private static string Text(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
