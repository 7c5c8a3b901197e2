using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Followups.Contracts;
using Xunit.Abstractions;

namespace Followups.EndToEnd;

/// <summary>A stream of seed agreements for fault tests, and the exact check of what it must leave behind.</summary>
public static class Stream
{
    /// <summary>Posts <paramref name="count"/> agreements; stops quietly at a connection failure (a killed capture) and returns the accepted ones.</summary>
    public static async Task<List<(string Id, JsonObject Agreement)>> Post(Api api, string suffix, int count)
    {
        var accepted = new List<(string, JsonObject)>();
        for (var i = 0; i < count; i++)
        {
            var agreement = Api.SeedAgreement(suffix);
            agreement["title"] = $"Stream {Guid.NewGuid():N}";
            HttpStatusCode status;
            JsonObject body;
            try
            {
                (status, body) = await api.PostAgreement(agreement);
            }
            catch (HttpRequestException)
            {
                return accepted;
            }

            Assert.True(status == HttpStatusCode.Created, body.ToJsonString());
            accepted.Add((body["id"]!.GetValue<string>(), agreement));
        }

        return accepted;
    }

    public static Task<(HttpStatusCode Status, JsonObject Body, string? RetryAfter)> PostOnce(Api api, string suffix) =>
        api.PostAgreementWithHeaders(Api.SeedAgreement(suffix));

    /// <summary>The <see cref="AgreementRecorded"/> event of a stored agreement, as capture published it.</summary>
    public static AgreementRecorded Recorded(JsonObject stored)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        return new AgreementRecorded(
            stored["id"]!.GetValue<string>(),
            stored["version"]!.GetValue<int>(),
            stored["title"]!.GetValue<string>(),
            DateOnly.Parse(stored["concludedOn"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
            stored["parties"].Deserialize<List<AgreementParty>>(json)!,
            stored["commitments"].Deserialize<List<AgreedCommitment>>(json)!,
            DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Every agreement capture holds for this stream (which includes every accepted one) is planned exactly once and each
    /// of its tasks notified exactly once.
    /// </summary>
    public static async Task ExpectEachPlannedAndNotifiedOnce(Api api, IReadOnlyList<(string Id, JsonObject Agreement)> accepted, string suffix, ITestOutputHelper output)
    {
        var stored = await api.Agreements($"org=maz{suffix}");
        var storedIds = stored.Select(a => a!["id"]!.GetValue<string>()).ToHashSet();
        Assert.All(accepted, a => Assert.Contains(a.Id, storedIds));
        var expected = stored.ToDictionary(a => a!["id"]!.GetValue<string>(), a => Api.SeedTaskCount(a!.AsObject()));
        var organisations = Api.SeedOrganisations().Select(o => o!["id"]!.GetValue<string>() + suffix).ToList();

        var notices = new List<JsonNode>();
        var elapsed = await Api.WaitUntil(
            async () =>
            {
                notices = [];
                foreach (var organisation in organisations)
                {
                    notices.AddRange((await api.Notifications($"org={organisation}&limit=1000")).Where(n => storedIds.Contains(n!["agreementId"]?.GetValue<string>() ?? ""))!);
                }

                return notices.Count >= expected.Values.Sum();
            },
            TimeSpan.FromSeconds(180),
            $"{expected.Values.Sum()} notifications for {stored.Count} agreements");
        output.WriteLine($"{stored.Count} agreements ({accepted.Count} answered 201), {expected.Values.Sum()} tasks: all notified {elapsed.TotalSeconds:F1} s after the check began");

        foreach (var (id, count) in expected)
        {
            var tasks = await api.Tasks($"agreementId={id}&limit=1000");
            Assert.Equal(count, tasks.Count);
            var taskIds = tasks.Select(t => t!["id"]!.GetValue<string>()).ToList();
            Assert.Equal(count, taskIds.Distinct().Count());
            Assert.Equal(taskIds.Order(), notices.Where(n => n["agreementId"]!.GetValue<string>() == id).Select(n => n["taskId"]!.GetValue<string>()).Order());
        }

        Assert.Equal(expected.Values.Sum(), notices.Count);
    }
}
