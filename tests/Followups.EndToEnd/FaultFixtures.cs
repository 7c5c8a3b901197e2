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

/// <summary>
/// The services as processes on a <see cref="PrivateRabbitMq"/>, with the fault tests' short failure policy and a real
/// SMTP sink, and the check that nothing was left stuck; what <c>FaultTests</c> and <c>SoakTests</c> share.
/// </summary>
public sealed class FaultRig(PrivateRabbitMq rabbit) : IAsyncDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("followups-faults-").FullName;
    private readonly List<ServiceProcess> _started = [];

    private static readonly string[] FastFailurePolicy =
    [
        "--Bus:RetryLimit=2", "--Bus:RetryMinInterval=00:00:00.200", "--Bus:RetryMaxInterval=00:00:01",
        "--Bus:RedeliveryDelays=00:00:02,00:00:05,00:00:10,00:00:20,00:00:40",
        "--Notifier:Delivery:SendingLease=00:00:15",
    ];

    public SmtpSink Smtp { get; } = SmtpSink.Started();

    public async Task<ServiceProcess> Start(string project, string instance, params string[] extra)
    {
        var service = await ServiceProcess.Start(project, [.. rabbit.Settings(), .. FastFailurePolicy, .. Scenarios.NotifierSettings(Smtp), .. extra, $"--Storage:DataDirectory={Path.Combine(_data, instance)}"]);
        _started.Add(service);
        return service;
    }

    public async Task<(ServiceProcess Capture, ServiceProcess Planner, ServiceProcess Notifier, Api Api)> StartAll(params string[] extra)
    {
        var capture = await Start("AgreementCapture", "capture", extra);
        var planner = await Start("TaskPlanner", "planner", extra);
        var notifier = await Start("Notifier", "notifier", extra);
        return (capture, planner, notifier, new Api(capture.Client, planner.Client, notifier.Client));
    }

    /// <summary>Every outbox of <paramref name="services"/> empty, no dead letters, no <c>_error</c> queue holding anything.</summary>
    public async Task ExpectNothingStuck(params ServiceProcess[] services)
    {
        foreach (var service in services)
        {
            await Api.WaitUntil(
                async () => (await service.Client.GetFromJsonAsync<JsonObject>("/api/v1/outbox"))!["items"]!.AsArray().All(c => c!["pending"]!.GetValue<int>() == 0),
                TimeSpan.FromSeconds(30),
                $"outbox of {service.Port} empty");
            var counts = (await service.Client.GetFromJsonAsync<JsonObject>("/api/v1/outbox"))!["items"]!.AsArray();
            Assert.All(counts, c => Assert.Equal(0, c!["deadLetters"]!.GetValue<int>()));
        }

        var depths = await rabbit.QueueDepths();
        Assert.DoesNotContain(depths, q => q.Key.EndsWith("_error", StringComparison.Ordinal) && q.Value > 0);
    }

    public static async Task<bool> NotReady(ServiceProcess service)
    {
        try
        {
            using var response = await service.Client.GetAsync("/health/ready");
            return response.StatusCode != System.Net.HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _started)
        {
            await service.DisposeAsync();
        }

        await Smtp.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
