extern alias standalone;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Followups.ServiceDefaults.Security;
using Followups.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Followups.Security.Tests;

/// <summary>The security test classes share one host and run one after another: some of them change its data.</summary>
[CollectionDefinition(Name)]
public sealed class SecuredHostCollection : ICollectionFixture<SecuredHost>
{
    public const string Name = "secured host";
}

/// <summary>
/// The standalone host with two organisations, A and B, each the only one involved in an agreement of its own, with the
/// tasks, notices and calendar feeds that follow. A member of A is the "own" caller of A's records, a member of B the
/// "other" one.
/// </summary>
public sealed class SecuredHost : IAsyncLifetime
{
    public const string OrgA = "sec-a";
    public const string OrgB = "sec-b";

    private readonly string _data = Directory.CreateTempSubdirectory("followups-security-").FullName;
    private Factory _factory = null!;

    /// <summary>An API key of a machine client with the manager role; configuration holds only its hash.</summary>
    public static readonly (string Key, string Hash) RobotKey = ApiKeys.Generate();

    public static string Secretariat { get; } = TestIdentity.Token("secretariat.minsk", [Roles.Secretariat]);
    public static string Manager { get; } = TestIdentity.Token("manager", [Roles.Manager]);
    public static string Admin { get; } = TestIdentity.Token("admin", [Roles.Admin]);
    public static string MemberA { get; } = TestIdentity.Member(OrgA);
    public static string MemberB { get; } = TestIdentity.Member(OrgB);

    public string AgreementA { get; private set; } = "";
    public string AgreementB { get; private set; } = "";
    public string TaskA { get; private set; } = "";
    public string NotificationA { get; private set; } = "";
    public string FeedToServe { get; private set; } = "";
    public string FeedToRevoke { get; private set; } = "";

    private sealed class Factory(string data, Dictionary<string, string?> settings) : WebApplicationFactory<standalone::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
            {
                ["Storage:DataDirectory"] = data,
                ["Auth:SigningKey"] = TestIdentity.SigningKey,
                ["Auth:ApiKeys:robot:Hash"] = RobotKey.Hash,
                ["Auth:ApiKeys:robot:Roles"] = Roles.Manager,
                ["Notifier:Smtp:Host"] = "",
            }));
        }
    }

    /// <summary>A host of its own with other settings, for tests of limits; the caller disposes it.</summary>
    public static WebApplicationFactory<standalone::Program> Separate(Dictionary<string, string?> settings) =>
        new Factory(Directory.CreateTempSubdirectory("followups-security-").FullName, settings);

    public IServiceProvider Services => _factory.Services;

    /// <summary>A client signed in with <paramref name="token"/>, or anonymous when it is null.</summary>
    public HttpClient As(string? token)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    public HttpClient WithApiKey(string key)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeys.Header, key);
        return client;
    }

    public async Task InitializeAsync()
    {
        // The matrix and the corpus make hundreds of requests quickly; the rate limit has its own test.
        _factory = new Factory(_data, new() { ["Security:RequestsPerSecond"] = "100000", ["Security:Burst"] = "100000" });
        using var secretariat = As(Secretariat);
        foreach (var (id, country) in new[] { (OrgA, "BY"), (OrgB, "RU") })
        {
            using var put = await secretariat.PutAsJsonAsync($"/api/v1/organisations/{id}", new
            {
                name = $"Organisation {id}", country, kind = "company", emails = new[] { $"{id}@example.org" },
            });
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        AgreementA = await PostAgreement(secretariat, Agreement(OrgA, "SEC-A/1"));
        AgreementB = await PostAgreement(secretariat, Agreement(OrgB, "SEC-B/1"));

        using var staff = As(TestIdentity.Staff);
        TaskA = (await WaitFor(staff, $"/api/v1/tasks?agreementId={AgreementA}&status=assigned"))[0]!["id"]!.GetValue<string>();
        await WaitFor(staff, $"/api/v1/tasks?agreementId={AgreementB}");
        NotificationA = (await WaitFor(staff, $"/api/v1/notifications?org={OrgA}"))[0]!["id"]!.GetValue<string>();
        await WaitFor(staff, $"/api/v1/notifications?org={OrgB}");

        using var member = As(MemberA);
        FeedToServe = await NewFeed(member, token: true);
        FeedToRevoke = await NewFeed(member, token: false);
    }

    /// <summary>An agreement whose one commitment involves <paramref name="organisation"/> alone.</summary>
    public static JsonObject Agreement(string organisation, string reference) => JsonNode.Parse($$"""
        {
          "title": "Supplies agreed with {{organisation}}",
          "reference": "{{reference}}",
          "concludedOn": "2026-11-20",
          "venue": "Minsk",
          "format": "official-visit",
          "parties": [ { "id": "by", "name": "Republic of Belarus", "country": "BY" }, { "id": "kirov-oblast", "name": "Kirov Oblast", "country": "RU" } ],
          "participants": [ { "name": "Viktor Karankevich", "position": "Deputy Prime Minister", "party": "by" } ],
          "figures": [ { "label": "Trade turnover", "amount": 108000000, "currency": "USD", "period": "11 months" } ],
          "commitments": [
            { "key": "supply", "summary": "Prepare a supply proposal", "area": "passenger-transport", "kind": "supply", "lead": "{{organisation}}", "coExecutors": [] }
          ]
        }
        """)!.AsObject();

    private static async Task<string> PostAgreement(HttpClient client, JsonObject agreement)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/agreements", agreement);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    private async Task<string> NewFeed(HttpClient member, bool token)
    {
        using var response = await member.PostAsJsonAsync("/api/v1/calendar-feeds", new { org = OrgA });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return token ? body["url"]!.GetValue<string>().Split('/')[^2] : body["id"]!.GetValue<string>();
    }

    public static async Task<JsonArray> WaitFor(HttpClient client, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var items = (await client.GetFromJsonAsync<JsonObject>(path))!["items"]!.AsArray();
            if (items.Count > 0)
            {
                return items;
            }

            Assert.True(DateTime.UtcNow < deadline, $"nothing at {path} after 60 s");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing database; the temp folder is cleaned by the system.
        }
    }
}
