using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Followups.ServiceDefaults.Security;
using Followups.Testing;

namespace Followups.EndToEnd;

/// <summary>The planner's task actions, queries, report and exports over HTTP, on the standalone host as a process.</summary>
public sealed class PlannerApiTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("followups-planner-").FullName;
    private readonly SmtpSink _smtp = SmtpSink.Started();

    private static readonly string Secretariat = TestIdentity.Token("secretariat", [Roles.Secretariat]);

    /// <summary>Posts as <paramref name="token"/>'s holder; by default a member of maz-sl, the lead of the buses commitment.</summary>
    private static async Task<(HttpStatusCode Status, JsonObject Body)> Post(HttpClient client, string path, object? body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", token ?? TestIdentity.Member("maz-sl"));
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject());
    }

    private static async Task<(HttpStatusCode Status, string Body)> Get(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_task_walks_its_lifecycle_its_successor_is_assigned_and_managers_see_it()
    {
        await using var host = await ServiceProcess.Start("Standalone", [$"--Storage:DataDirectory={_data}", .. Scenarios.NotifierSettings(_smtp)]);
        var client = host.Client;
        var api = new Api(client);
        await api.RegisterSeedOrganisations("-sl");
        var agreement = Api.SeedAgreement("-sl");
        var (status, created) = await api.PostAgreement(agreement);
        Assert.Equal(HttpStatusCode.Created, status);
        var agreementId = created["id"]!.GetValue<string>();
        await Scenarios.ExpectPlannedAndNotified(api, agreementId, agreement, "-sl", _smtp, oneMessagePerOrganisation: true);

        var tasks = await api.Tasks($"agreementId={agreementId}&limit=200");
        JsonNode Step(string step, string role) => tasks.Single(t =>
            t!["commitmentKey"]!.GetValue<string>() == "buses" && t["stepKey"]!.GetValue<string>() == step && t["role"]!.GetValue<string>() == role)!;
        var proposal = Step("proposal", "lead")["id"]!.GetValue<string>();
        var terms = Step("terms", "lead")["id"]!.GetValue<string>();
        Assert.Equal("planned", Step("terms", "lead")["status"]!.GetValue<string>());

        // Invalid transitions: 409 naming the current state; bad bodies: 400 naming the field.
        var (code, body) = await Post(client, $"/api/v1/tasks/{proposal}/complete", new { report = "Too early" });
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("assigned", body["currentStatus"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await Post(client, $"/api/v1/tasks/{proposal}/accept", null)).Status);
        (code, body) = await Post(client, $"/api/v1/tasks/{proposal}/accept", null);
        Assert.Equal((HttpStatusCode.Conflict, "accepted"), (code, body["currentStatus"]!.GetValue<string>()));
        (code, body) = await Post(client, $"/api/v1/tasks/{proposal}/progress", new { percent = 140 });
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal(["percent", "text"], body["errors"]!.AsObject().Select(e => e.Key).Order());
        (code, body) = await Post(client, $"/api/v1/tasks/{proposal}/progress", new { text = "Draft with prices", percent = 60 });
        Assert.Equal((HttpStatusCode.OK, "inProgress"), (code, body["status"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, (await Post(client, "/api/v1/tasks/nope/accept", null)).Status);

        // An extension: requested by the holder, approved by the secretariat; both deadlines kept, the change recorded.
        var original = body["dueDate"]!.GetValue<string>();
        (code, body) = await Post(client, $"/api/v1/tasks/{proposal}/extension-requests", new { dueDate = "2020-01-01", reason = "Late" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.True(body["errors"]!.AsObject().ContainsKey("dueDate"));
        // Four weeks later, on the same weekday: a working day unless a holiday falls there, when it moves to the one before.
        var requested = DateOnly.Parse(original, CultureInfo.InvariantCulture).AddDays(28);
        Assert.Equal(HttpStatusCode.OK, (await Post(client, $"/api/v1/tasks/{proposal}/extension-requests", new { dueDate = requested, reason = "Prices pending" })).Status);
        (code, body) = await Post(client, $"/api/v1/tasks/{proposal}/extension-requests/approve", new { reason = "Justified" }, Secretariat);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(original, body["originalDueDate"]!.GetValue<string>());
        var approved = DateOnly.Parse(body["dueDate"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(approved, requested.AddDays(-7), requested);
        Assert.Equal("secretariat", body["deadlineChanges"]![0]!["actor"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await Post(client, $"/api/v1/tasks/{proposal}/extension-requests/reject", new { reason = "No request" }, Secretariat)).Status);

        // The contributions and the proposal done: the terms step is assigned and notified.
        foreach (var contribution in tasks.Where(t => t!["stepKey"]!.GetValue<string>() == "proposal" && t["commitmentKey"]!.GetValue<string>() == "buses" && t["role"]!.GetValue<string>() == "coExecutor"))
        {
            var id = contribution!["id"]!.GetValue<string>();
            var holder = TestIdentity.Member(contribution["responsibleOrg"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.NotFound, (await Post(client, $"/api/v1/tasks/{id}/accept", null)).Status);
            Assert.Equal(HttpStatusCode.OK, (await Post(client, $"/api/v1/tasks/{id}/accept", null, holder)).Status);
            Assert.Equal(HttpStatusCode.OK, (await Post(client, $"/api/v1/tasks/{id}/complete", new { report = "Figures sent" }, holder)).Status);
        }

        Assert.Equal(HttpStatusCode.OK, (await Post(client, $"/api/v1/tasks/{proposal}/complete", new { report = "Proposal delivered" })).Status);
        await Api.WaitUntil(
            async () => (await api.Notifications($"org=maz-sl&limit=1000")).Any(n => n!["taskId"]?.GetValue<string>() == terms),
            TimeSpan.FromSeconds(30),
            "the terms step assigned and notified");
        Assert.Equal("assigned", JsonNode.Parse((await Get(client, $"/api/v1/tasks/{terms}")).Body)!["status"]!.GetValue<string>());

        // Managers' views.
        var (getStatus, text) = await Get(client, "/api/v1/tasks?status=lost&limit=x&dueBefore=someday");
        Assert.Equal(HttpStatusCode.BadRequest, getStatus);
        Assert.Equal(["dueBefore", "limit", "status"], JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key).Order());
        var done = await api.Tasks($"agreementId={agreementId}&status=done");
        Assert.Equal(3, done.Count);
        // Paging by cursor: every task once, in due date then id order, the same order as one big page.
        var paged = await api.AllTasks($"agreementId={agreementId}", 5);
        static (string Due, string Id) Place(JsonNode t) => (t["dueDate"]!.GetValue<string>(), t["id"]!.GetValue<string>());
        var order = paged.Select(t => Place(t!)).ToList();
        Assert.Equal(order.OrderBy(p => p.Due, StringComparer.Ordinal).ThenBy(p => p.Id, StringComparer.Ordinal), order);
        Assert.Equal((await api.Tasks($"agreementId={agreementId}&limit=200")).Select(t => Place(t!)), order);
        // Every organisation's tasks in a due window (the due key's own range, both bounds inclusive), paged: the same tasks
        // in the same order. The host holds this one agreement, so they are its tasks due in the window.
        var (from, to) = (order[3].Due, order[^4].Due);
        var window = (await api.AllTasks($"dueAfter={from}&dueBefore={to}", 4)).Select(t => Place(t!)).ToList();
        Assert.Equal(order.Where(p => string.CompareOrdinal(p.Due, from) >= 0 && string.CompareOrdinal(p.Due, to) <= 0), window);
        Assert.Equal(order, (await api.AllTasks("", 7)).Select(t => Place(t!)));

        (getStatus, text) = await Get(client, $"/api/v1/tasks/export.csv?agreementId={agreementId}");
        Assert.Equal(HttpStatusCode.OK, getStatus);
        Assert.Equal(Api.SeedTaskCount(agreement) + 1, text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        // A shorter export in the list's order names where the rest begins.
        using (var response = await client.GetAsync($"/api/v1/tasks/export.csv?agreementId={agreementId}&limit=5"))
        {
            var rows = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(order.Take(5).Select(p => p.Id), rows.Skip(1).Select(r => r.Split(',')[0]));
            var next = Assert.Single(response.Headers.GetValues("Link"));
            var rest = (await Get(client, next[1..next.IndexOf('>', StringComparison.Ordinal)])).Body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(order[5].Id, rest[1].Split(',')[0]);
        }

        (getStatus, text) = await Get(client, "/api/v1/tasks/deadlines.ics?org=maz-sl");
        Assert.Equal(HttpStatusCode.OK, getStatus);
        Assert.StartsWith("BEGIN:VCALENDAR", text, StringComparison.Ordinal);
        var openMaz = (await api.Tasks("org=maz-sl&limit=200")).Count(t => t!["status"]!.GetValue<string>() is not ("done" or "cancelled"));
        Assert.Equal(openMaz, text.Split("BEGIN:VEVENT").Length - 1);
        Assert.Equal(HttpStatusCode.BadRequest, (await Get(client, "/api/v1/tasks/deadlines.ics")).Status);

        (getStatus, text) = await Get(client, "/api/v1/reports/open-items?groupBy=org");
        Assert.Equal(HttpStatusCode.OK, getStatus);
        var maz = JsonNode.Parse(text)!["items"]!.AsArray().Single(r => r!["key"]!.GetValue<string>() == "maz-sl")!;
        Assert.Equal(1, maz["done"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.BadRequest, (await Get(client, "/api/v1/reports/open-items?groupBy=colour")).Status);
    }

    public void Dispose()
    {
        _smtp.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_data, recursive: true);
    }
}
