using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Followups.EndToEnd;

/// <summary>The calls a secretariat and a manager make, against whichever hosts serve them.</summary>
public sealed class Api(HttpClient capture, HttpClient planner, HttpClient notifier)
{
    public Api(HttpClient standalone) : this(standalone, standalone, standalone)
    {
    }

    public static JsonArray SeedOrganisations() => Load("belarus-kirov.organisations.json").AsArray();

    /// <summary>The Belarus–Kirov agreement; <paramref name="suffix"/> makes its organisation ids unique to one test.</summary>
    public static JsonObject SeedAgreement(string suffix)
    {
        var agreement = Load("belarus-kirov.agreement.json").AsObject();
        foreach (var commitment in agreement["commitments"]!.AsArray())
        {
            commitment!["lead"] = commitment["lead"]!.GetValue<string>() + suffix;
            commitment["coExecutors"] = new JsonArray(commitment["coExecutors"]!.AsArray().Select(c => (JsonNode)(c!.GetValue<string>() + suffix)).ToArray());
        }

        return agreement;
    }

    public static int SeedTaskCount(JsonObject agreement) =>
        agreement["commitments"]!.AsArray().Sum(c => 1 + c!["coExecutors"]!.AsArray().Count);

    public async Task RegisterSeedOrganisations(string suffix)
    {
        foreach (var organisation in SeedOrganisations())
        {
            var body = organisation!.AsObject().DeepClone().AsObject();
            var id = body["id"]!.GetValue<string>() + suffix;
            body.Remove("id");
            using var response = await notifier.PutAsJsonAsync($"/api/v1/organisations/{id}", body);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
    }

    public async Task<(HttpStatusCode Status, JsonObject Body)> PostAgreement(JsonNode agreement)
    {
        using var response = await capture.PostAsJsonAsync("/api/v1/agreements", agreement);
        return (response.StatusCode, await Body(response));
    }

    public async Task<(HttpStatusCode Status, JsonObject Body)> PostRaw(string json)
    {
        using var response = await capture.PostAsync("/api/v1/agreements", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        return (response.StatusCode, await Body(response));
    }

    public Task<JsonArray> Tasks(string query) => Items(planner, $"/api/v1/tasks?{query}");

    public Task<JsonArray> Notifications(string query) => Items(notifier, $"/api/v1/notifications?{query}");

    public Task<JsonArray> Agreements(string query = "") => Items(capture, $"/api/v1/agreements?limit=200&{query}");

    public async Task<(HttpStatusCode Status, JsonObject Body, string? RetryAfter)> PostAgreementWithHeaders(JsonNode agreement)
    {
        using var response = await capture.PostAsJsonAsync("/api/v1/agreements", agreement);
        return (response.StatusCode, await Body(response), response.Headers.RetryAfter?.ToString());
    }

    /// <summary>Polls until <paramref name="done"/> holds, and returns how long that took.</summary>
    public static async Task<TimeSpan> WaitUntil(Func<Task<bool>> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await done())
            {
                return clock.Elapsed;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"Not within {timeout}: {what}");
    }

    private static async Task<JsonArray> Items(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return (await Body(response))["items"]!.AsArray();
    }

    private static async Task<JsonObject> Body(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject();
    }

    private static JsonNode Load(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "docs", "examples", file)), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
}
