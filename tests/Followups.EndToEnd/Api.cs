using System.Diagnostics;
using System.Globalization;
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
        // A reference belongs to one agreement; tests that post the seed many times go without it.
        agreement.Remove("reference");
        ConcludedToday(agreement);
        foreach (var commitment in agreement["commitments"]!.AsArray())
        {
            commitment!["lead"] = commitment["lead"]!.GetValue<string>() + suffix;
            commitment["coExecutors"] = new JsonArray(commitment["coExecutors"]!.AsArray().Select(c => (JsonNode)(c!.GetValue<string>() + suffix)).ToArray());
        }

        return agreement;
    }

    /// <summary>
    /// Moves the seed's dates by the days since it was concluded, so it reads as concluded today. Its deadlines then keep
    /// their distance from the real clock the services run on: a stream run a week after the seed's date would otherwise
    /// reach deadlines close enough for reminders (<c>task-due-soon</c>) that no test expects.
    /// </summary>
    private static void ConcludedToday(JsonObject agreement)
    {
        var concluded = DateOnly.Parse(agreement["concludedOn"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var days = DateOnly.FromDateTime(DateTime.UtcNow).DayNumber - concluded.DayNumber;
        static string Shifted(JsonNode date, int days) =>
            DateOnly.Parse(date.GetValue<string>(), CultureInfo.InvariantCulture).AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        agreement["concludedOn"] = Shifted(agreement["concludedOn"]!, days);
        foreach (var commitment in agreement["commitments"]!.AsArray())
        {
            if (commitment!["dueDate"] is { } due)
            {
                commitment["dueDate"] = Shifted(due, days);
            }
        }
    }

    /// <summary>The tasks the planner must make of <paramref name="agreement"/>: every step of its commitments' playbooks.</summary>
    public static int SeedTaskCount(JsonObject agreement) => ExpectedTasks(agreement).Sum(c => c.Total);

    /// <summary>The tasks assigned (and so notified) at once: those of steps that wait for no held step.</summary>
    public static int SeedAssignedCount(JsonObject agreement) => ExpectedTasks(agreement).Sum(c => c.Assigned);

    /// <summary>
    /// Per commitment, how many tasks its playbook yields and how many start assigned, computed from the shipped playbook
    /// files: one per holder of a step (lead; each co-executor or counterpart; a named controller), plus a contribution
    /// per co-executor on steps that ask for them. Steps nobody holds are skipped, and their successors inherit what they waited for.
    /// </summary>
    public static IReadOnlyList<(string Key, int Total, int Assigned)> ExpectedTasks(JsonObject agreement)
    {
        var result = new List<(string, int, int)>();
        foreach (var commitment in agreement["commitments"]!.AsArray())
        {
            var coExecutors = commitment!["coExecutors"]!.AsArray().Count;
            var counterparts = commitment["counterparts"]?.AsArray().Count ?? 0;
            var controller = commitment["controller"] is null ? 0 : 1;
            var playbook = JsonNode.Parse(File.ReadAllText(Path.Combine(
                Repository.Root, "services", "TaskPlanner", "Playbooks", commitment["kind"]!.GetValue<string>() + ".json")))!;
            var waits = new Dictionary<string, bool>();
            int total = 0, assigned = 0;
            foreach (var step in playbook["steps"]!.AsArray())
            {
                var holders = step!["role"]!.GetValue<string>() switch
                {
                    "lead" => 1,
                    "co-executor" => coExecutors,
                    "counterpart" => counterparts,
                    "controller" => controller,
                    _ => 0,
                };
                var contributions = holders > 0 && step["coExecutors"]?.GetValue<bool>() == true ? coExecutors : 0;
                var predecessors = step["after"]?.AsArray().Select(p => p!.GetValue<string>()).ToList() ?? [];
                var key = step["key"]!.GetValue<string>();
                // A held step makes its successors wait; a skipped one passes on whether it would have waited.
                var waiting = predecessors.Any(p => waits[p]);
                waits[key] = holders > 0 || waiting;
                total += holders + contributions;
                assigned += waiting ? 0 : holders + contributions;
            }

            result.Add((commitment["key"]!.GetValue<string>(), total, assigned));
        }

        return result;
    }

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

    public async Task<(HttpStatusCode Status, JsonObject Body)> PostAgreement(JsonNode agreement, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/agreements") { Content = JsonContent.Create(agreement) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await capture.SendAsync(request);
        return (response.StatusCode, await Body(response));
    }

    public async Task<JsonObject> Agreement(string id) => (await capture.GetFromJsonAsync<JsonObject>($"/api/v1/agreements/{id}"))!;

    /// <summary>Every agreement matching <paramref name="query"/>, following the cursor page by page.</summary>
    public async Task<List<JsonObject>> AllAgreements(string query)
    {
        var all = new List<JsonObject>();
        string? cursor = null;
        do
        {
            using var response = await capture.GetAsync($"/api/v1/agreements?limit=200&{query}{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            response.EnsureSuccessStatusCode();
            var page = await Body(response);
            all.AddRange(page["items"]!.AsArray().Select(a => a!.AsObject()));
            cursor = page["next"]?.GetValue<string>();
        }
        while (cursor is not null);

        return all;
    }

    public async Task<(HttpStatusCode Status, JsonObject Body)> PostRaw(string json)
    {
        using var response = await capture.PostAsync("/api/v1/agreements", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        return (response.StatusCode, await Body(response));
    }

    public Task<JsonArray> Tasks(string query) => Items(planner, $"/api/v1/tasks?{query}");

    /// <summary>Every task of <paramref name="query"/>, following the list's cursor <paramref name="pageSize"/> at a time.</summary>
    public async Task<JsonArray> AllTasks(string query, int pageSize)
    {
        var all = new JsonArray();
        string? cursor = null;
        do
        {
            using var response = await planner.GetAsync($"/api/v1/tasks?{query}&limit={pageSize}{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            response.EnsureSuccessStatusCode();
            var page = await Body(response);
            var items = page["items"]!.AsArray();
            Assert.InRange(items.Count, cursor is null ? 0 : 1, pageSize);
            foreach (var item in items.ToList())
            {
                items.Remove(item);
                all.Add(item);
            }

            cursor = page["next"]?.GetValue<string>();
        }
        while (cursor is not null);

        return all;
    }

    public Task<JsonArray> Notifications(string query) => Items(notifier, $"/api/v1/notifications?{query}");

    public Task<JsonArray> Agreements(string query = "") => Items(capture, $"/api/v1/agreements?limit=200&{query}");

    public async Task<(HttpStatusCode Status, JsonObject Body, string? RetryAfter)> PostAgreementWithHeaders(JsonNode agreement)
    {
        using var response = await capture.PostAsJsonAsync("/api/v1/agreements", agreement);
        return (response.StatusCode, await Body(response), response.Headers.RetryAfter?.ToString());
    }

    /// <summary>Polls until <paramref name="done"/> holds, and returns how long that took.</summary>
    public static async Task<TimeSpan> WaitUntil(Func<Task<bool>> done, TimeSpan timeout, string what, Func<string>? state = null)
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

        throw new TimeoutException($"Not within {timeout}: {what}{(state is null ? "" : $"; {state()}")}");
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
