using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Followups.ServiceDefaults.Security;
using Followups.Testing;

namespace Followups.EndToEnd;

/// <summary>One standalone host shared by a test class, with its own data directory.</summary>
public sealed class StandaloneHost : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("followups-capture-").FullName;

    public ServiceProcess Host { get; private set; } = null!;
    public HttpClient Client => Host.Client;

    public async Task InitializeAsync() => Host = await ServiceProcess.Start("Standalone", $"--Storage:DataDirectory={_data}");

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}

/// <summary>The secretariat's side over HTTP: idempotent entry, amendments with versions, listing.</summary>
public sealed class CaptureTests(StandaloneHost standalone) : IClassFixture<StandaloneHost>
{
    private HttpClient Client => standalone.Client;

    private async Task<JsonObject> Seed(string suffix)
    {
        await new Api(Client).RegisterSeedOrganisations(suffix);
        return Api.SeedAgreement(suffix);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> Send(HttpMethod method, string path, JsonNode? body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? new JsonObject { ["items"] = JsonNode.Parse(text) });
    }

    [Fact]
    public async Task Same_idempotency_key_and_body_returns_the_original_response_and_stores_one_agreement()
    {
        var agreement = await Seed("-ci");
        var key = ("Idempotency-Key", "entry-" + Guid.NewGuid().ToString("N"));

        var first = await Send(HttpMethod.Post, "/api/v1/agreements", agreement, key);
        var again = await Send(HttpMethod.Post, "/api/v1/agreements", JsonNode.Parse(agreement.ToJsonString()), key);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, again.Status);
        Assert.Equal(first.Body.ToJsonString(), again.Body.ToJsonString());
        var id = first.Body["id"]!.GetValue<string>();
        var listed = await Send(HttpMethod.Get, "/api/v1/agreements?org=maz-ci", null);
        Assert.Equal([id], listed.Body["items"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()));

        agreement["title"] = "A different agreement";
        var reused = await Send(HttpMethod.Post, "/api/v1/agreements", agreement, key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.Status);
        Assert.True(reused.Body["errors"]!.AsObject().ContainsKey("Idempotency-Key"));
    }

    [Fact]
    public async Task Amendments_make_versions_a_stale_one_is_refused_and_history_shows_who_changed_what()
    {
        var agreement = await Seed("-ca");
        var created = await Send(HttpMethod.Post, "/api/v1/agreements", agreement, ("Authorization", "Bearer " + TestIdentity.Token("secretariat.minsk", [Roles.Secretariat])));
        var id = created.Body["id"]!.GetValue<string>();

        var amendment = JsonNode.Parse("""
            {
              "expectedVersion": 1,
              "add": [{ "key": "trolleybuses", "summary": "Supply Belkommunmash trolleybuses", "area": "passenger-transport", "kind": "supply", "lead": "belkommunmash-ca", "urgency": "prompt" }],
              "change": [{ "key": "buses", "dueDate": "2027-03-31" }],
              "cancel": [{ "key": "peat", "reason": "Postponed to the next commission" }],
              "note": "Agreed by the working group on 25 November"
            }
            """)!;
        var amended = await Send(HttpMethod.Post, $"/api/v1/agreements/{id}/amendments", amendment, ("Authorization", "Bearer " + TestIdentity.Token("secretariat.kirov", [Roles.Secretariat])));
        Assert.Equal(HttpStatusCode.Created, amended.Status);
        Assert.Equal(2, amended.Body["agreement"]!["version"]!.GetValue<int>());

        var stale = await Send(HttpMethod.Post, $"/api/v1/agreements/{id}/amendments", amendment);
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Equal(2, stale.Body["currentVersion"]!.GetValue<int>());

        var versions = (await Send(HttpMethod.Get, $"/api/v1/agreements/{id}/versions", null)).Body["items"]!.AsArray();
        Assert.Equal([1, 2], versions.Select(v => v!["version"]!.GetValue<int>()));
        Assert.Equal(["secretariat.minsk", "secretariat.kirov"], versions.Select(v => v!["by"]!.GetValue<string>()));
        Assert.Equal(["trolleybuses"], versions[1]!["added"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.Equal(["dueDate"], versions[1]!["changed"]![0]!["fields"]!.AsArray().Select(k => k!.GetValue<string>()));

        var v1 = (await Send(HttpMethod.Get, $"/api/v1/agreements/{id}/versions/1", null)).Body;
        Assert.Equal(6, v1["agreement"]!["commitments"]!.AsArray().Count);
        Assert.All(v1["agreement"]!["commitments"]!.AsArray(), c => Assert.Equal("active", c!["status"]!.GetValue<string>()));

        var current = (await Send(HttpMethod.Get, $"/api/v1/agreements/{id}", null)).Body;
        var peat = current["commitments"]!.AsArray().Single(c => c!["key"]!.GetValue<string>() == "peat")!;
        Assert.Equal(("cancelled", "Postponed to the next commission"), (peat["status"]!.GetValue<string>(), peat["cancellationReason"]!.GetValue<string>()));

        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/v1/agreements/{id}/versions/3", null)).Status);

        // The amendment reached the planner as an event: the added commitment is planned, the cancelled one's tasks cancelled.
        var api = new Api(Client);
        await Api.WaitUntil(
            async () =>
            {
                var tasks = await api.Tasks($"agreementId={id}&limit=200");
                return tasks.Any(t => t!["commitmentKey"]!.GetValue<string>() == "trolleybuses")
                    && tasks.Where(t => t!["commitmentKey"]!.GetValue<string>() == "peat").All(t => t!["status"]!.GetValue<string>() == "cancelled");
            },
            TimeSpan.FromSeconds(30),
            "the planner applied amendment 2");
    }

    [Fact]
    public async Task An_amendment_naming_an_unknown_organisation_is_refused_and_changes_nothing()
    {
        var agreement = await Seed("-cu");
        var id = (await Send(HttpMethod.Post, "/api/v1/agreements", agreement)).Body["id"]!.GetValue<string>();

        var refused = await Send(HttpMethod.Post, $"/api/v1/agreements/{id}/amendments",
            JsonNode.Parse("""{ "expectedVersion": 1, "change": [{ "key": "buses", "lead": "nobody-cu" }] }"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        Assert.True(refused.Body["errors"]!.AsObject().ContainsKey("change[0].lead"));
        Assert.Equal(1, (await Send(HttpMethod.Get, $"/api/v1/agreements/{id}", null)).Body["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_reference_belongs_to_one_agreement()
    {
        var agreement = await Seed("-cr");
        agreement["reference"] = "BY-KIR/" + Guid.NewGuid().ToString("N")[..8];

        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/v1/agreements", agreement)).Status);
        var second = await Send(HttpMethod.Post, "/api/v1/agreements", agreement);

        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.True(second.Body["errors"]!.AsObject().ContainsKey("reference"));
    }

    [Fact]
    public async Task Listing_filters_and_pages_newest_first()
    {
        var agreement = await Seed("-cl");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            agreement["title"] = $"Session {i} of the working group on peat";
            agreement["concludedOn"] = $"2026-0{i + 1}-15";
            ids.Add((await Send(HttpMethod.Post, "/api/v1/agreements", agreement)).Body["id"]!.GetValue<string>());
        }

        var page1 = (await Send(HttpMethod.Get, "/api/v1/agreements?org=maz-cl&limit=2", null)).Body;
        var page2 = (await Send(HttpMethod.Get, $"/api/v1/agreements?org=maz-cl&limit=2&cursor={page1["next"]}", null)).Body;
        Assert.Equal([ids[2], ids[1]], page1["items"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()));
        Assert.Equal([ids[0]], page2["items"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()));

        var text = (await Send(HttpMethod.Get, "/api/v1/agreements?org=maz-cl&q=SESSION%201", null)).Body;
        Assert.Equal([ids[1]], text["items"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()));
        var range = (await Send(HttpMethod.Get, "/api/v1/agreements?org=maz-cl&concludedFrom=2026-02-01&concludedTo=2026-03-31&area=peat", null)).Body;
        Assert.Equal([ids[2], ids[1]], range["items"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()));

        var bad = await Send(HttpMethod.Get, "/api/v1/agreements?concludedFrom=15.01.2026&cursor=%%%", null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal(["concludedFrom", "cursor"], bad.Body["errors"]!.AsObject().Select(e => e.Key).Order());
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_refused_with_problem_details()
    {
        var huge = "{\"title\":\"" + new string('x', 1_100_000) + "\"}";
        // A client of its own: the server answers without reading the body and then closes that connection. Before the
        // answer said so, the class's shared client once sent another test's next request down it ("the response ended
        // prematurely"); the header is asserted below, the separate client keeps the other tests out of it regardless.
        using var own = new HttpClient { BaseAddress = Client.BaseAddress };
        own.DefaultRequestHeaders.Authorization = Client.DefaultRequestHeaders.Authorization;
        using var response = await own.PostAsync("/api/v1/agreements", new StringContent(huge, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.ConnectionClose, "a 413 whose body was not read must close the connection and say so");
    }
}
