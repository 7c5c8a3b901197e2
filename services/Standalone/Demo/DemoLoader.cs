using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Followups.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Followups.Standalone.Demo;

/// <summary>
/// <c>--demo</c>: loads the Belarus–Kirov example (its organisations and agreement) through the public API once the host
/// listens, so it is validated like any other input. The agreement is posted with a fixed Idempotency-Key, so loading
/// it again on a later start changes nothing.
/// </summary>
public sealed partial class DemoLoader(IServer server, IHostApplicationLifetime lifetime, IOptions<AuthOptions> auth, ILogger<DemoLoader> logger) : BackgroundService
{
    public const string Switch = "--demo";
    private static readonly string Examples = Path.Combine(AppContext.BaseDirectory, "examples");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(stoppingToken);

        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1").Replace("://[::]", "://127.0.0.1");
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        // The demo signs in like any client would: a short-lived secretariat token minted with the host's own key.
        client.DefaultRequestHeaders.Authorization = new("Bearer", Tokens.Mint(auth.Value, "demo", [Roles.Secretariat], null, TimeSpan.FromMinutes(10)));
        foreach (var organisation in JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Examples, "belarus-kirov.organisations.json"), stoppingToken))!.AsArray())
        {
            var id = organisation!["id"]!.GetValue<string>();
            (await client.PutAsJsonAsync($"/api/v1/organisations/{id}", organisation, stoppingToken)).EnsureSuccessStatusCode();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/agreements")
        {
            Content = new StringContent(await File.ReadAllTextAsync(Path.Combine(Examples, "belarus-kirov.agreement.json"), stoppingToken), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", "demo-belarus-kirov");
        using var response = await client.SendAsync(request, stoppingToken);
        response.EnsureSuccessStatusCode();
        var agreement = await response.Content.ReadFromJsonAsync<JsonObject>(stoppingToken);
        LogLoaded(agreement!["id"]!.GetValue<string>(), address);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data loaded: the Belarus–Kirov agreement is {AgreementId}; try {Address}/api/v1/tasks?org=maz")]
    private partial void LogLoaded(string agreementId, string address);
}

public static class DemoExtensions
{
    /// <summary>Registers the demo loader when <c>--demo</c> is among <paramref name="args"/>.</summary>
    public static IHostApplicationBuilder AddDemoWhenAsked(this IHostApplicationBuilder builder, string[] args)
    {
        if (args.Contains(DemoLoader.Switch))
        {
            builder.Services.AddHostedService<DemoLoader>();
        }

        return builder;
    }
}
