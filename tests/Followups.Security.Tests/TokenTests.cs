using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Followups.ServiceDefaults.Security;
using Followups.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Followups.Security.Tests;

/// <summary>Tokens that must not get in, API keys that must, and what a signed-in caller is recorded and scoped as.</summary>
[Collection(SecuredHostCollection.Name)]
public sealed class TokenTests(SecuredHost host)
{
    public static TheoryData<string, string?> Refused()
    {
        var claims = new Dictionary<string, object> { ["sub"] = "intruder", ["role"] = new[] { Roles.Secretariat } };
        var header = Base64Url("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64Url($$"""{"sub":"intruder","role":["secretariat"],"iss":"followups","aud":"followups-api","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""");
        var valid = TestIdentity.Token("someone", [Roles.Secretariat]);
        var parts = valid.Split('.');
        var tamperedPayload = Base64Url(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"someone\"", "\"admin\""));
        return new TheoryData<string, string?>
        {
            { "missing", null },
            { "not a token", "this-is-not-a-token" },
            { "signed with another key", TestIdentity.Forged("intruder", [Roles.Secretariat]) },
            { "expired", TestIdentity.Token("late", [Roles.Secretariat], lifetime: TimeSpan.FromHours(1), now: DateTimeOffset.UtcNow.AddHours(-3)) },
            { "not yet valid", TestIdentity.Token("early", [Roles.Secretariat], lifetime: TimeSpan.FromHours(1), now: DateTimeOffset.UtcNow.AddHours(2)) },
            { "wrong audience", TestIdentity.ForAudience("another-api") },
            { "wrong issuer", TestIdentity.ForAudience(TestIdentity.Audience, issuer: "someone-else") },
            { "alg none, unsigned", $"{header}.{payload}." },
            { "payload changed after signing", $"{parts[0]}.{tamperedPayload}.{parts[2]}" },
            { "signature stripped", $"{parts[0]}.{parts[1]}." },
            { "RS256 with a key of its own (the algorithm is pinned to HS256)", Signed(claims, new SigningCredentials(new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)), SecurityAlgorithms.RsaSha256)) },
        };
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_bad_token_gets_401_problem_details_and_no_data(string why, string? token)
    {
        using var client = host.As(token);
        using var response = await client.GetAsync("/api/v1/agreements");
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(SecuredHost.OrgA, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_key_signs_in_its_client_with_its_roles_and_a_wrong_one_does_not()
    {
        using var robot = host.WithApiKey(SecuredHost.RobotKey.Key);
        Assert.Equal(HttpStatusCode.OK, (await robot.GetAsync("/api/v1/reports/open-items")).StatusCode);
        // The robot is a manager: it reads, it does not enter agreements.
        Assert.Equal(HttpStatusCode.Forbidden, (await robot.PostAsJsonAsync("/api/v1/agreements", new { })).StatusCode);

        using var wrong = host.WithApiKey(SecuredHost.RobotKey.Key + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/v1/reports/open-items")).StatusCode);
        // The hash itself is not a key.
        using var hash = host.WithApiKey(SecuredHost.RobotKey.Hash);
        Assert.Equal(HttpStatusCode.Unauthorized, (await hash.GetAsync("/api/v1/reports/open-items")).StatusCode);
    }

    [Fact]
    public async Task A_member_lists_only_what_involves_its_organisation_whatever_it_asks_for()
    {
        using var member = host.As(SecuredHost.MemberA);
        var agreements = await Items(member, "/api/v1/agreements?limit=200");
        Assert.Contains(agreements, a => a!["id"]!.GetValue<string>() == host.AgreementA);
        Assert.DoesNotContain(agreements, a => a!["id"]!.GetValue<string>() == host.AgreementB);
        Assert.Empty(await Items(member, $"/api/v1/agreements?org={SecuredHost.OrgB}"));

        var tasks = await Items(member, "/api/v1/tasks?limit=200");
        Assert.NotEmpty(tasks);
        Assert.All(tasks, t => Assert.Equal(SecuredHost.OrgA, t!["responsibleOrg"]!.GetValue<string>()));
        Assert.Empty(await Items(member, $"/api/v1/tasks?org={SecuredHost.OrgB}"));
        Assert.Empty(await Items(member, $"/api/v1/tasks?agreementId={host.AgreementB}"));

        var csv = await member.GetStringAsync("/api/v1/tasks/export.csv");
        Assert.DoesNotContain(SecuredHost.OrgB, csv, StringComparison.Ordinal);
        Assert.Contains(SecuredHost.OrgA, csv, StringComparison.Ordinal);

        var notices = await Items(member, "/api/v1/notifications?limit=1000");
        Assert.NotEmpty(notices);
        Assert.All(notices, n => Assert.Equal(SecuredHost.OrgA, n!["recipientOrg"]!.GetValue<string>()));
        Assert.Empty(await Items(member, $"/api/v1/notifications?org={SecuredHost.OrgB}"));

        var directory = await Items(member, "/api/v1/organisations");
        Assert.Equal([SecuredHost.OrgA], directory.Select(o => o!["id"]!.GetValue<string>()));

        // Staff see both organisations' records.
        using var manager = host.As(SecuredHost.Manager);
        var all = await Items(manager, "/api/v1/agreements?limit=200");
        Assert.Contains(all, a => a!["id"]!.GetValue<string>() == host.AgreementB);
    }

    [Fact]
    public async Task The_actor_of_every_write_is_the_token_subject_not_a_header()
    {
        using var secretariat = host.As(TestIdentity.Token("secretariat.kirov", [Roles.Secretariat]));
        secretariat.DefaultRequestHeaders.Add("X-Actor", "someone.else");
        using var response = await secretariat.PostAsJsonAsync("/api/v1/agreements", SecuredHost.Agreement(SecuredHost.OrgA, "SEC-A/actor"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var versions = (await secretariat.GetFromJsonAsync<JsonArray>($"/api/v1/agreements/{body["id"]}/versions"))!;
        Assert.Equal("secretariat.kirov", versions[0]!["by"]!.GetValue<string>());

        using var admin = host.As(TestIdentity.Token("admin.ops", [Roles.Admin]));
        admin.DefaultRequestHeaders.Add("X-Actor", "someone.else");
        using var put = await admin.PutAsJsonAsync("/api/v1/organisations/sec-actor", new { name = "Audited", country = "BY", kind = "company" });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal("admin.ops", JsonNode.Parse(await put.Content.ReadAsStringAsync())!["updatedBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_calendar_feed_opens_with_its_url_alone_until_revoked_and_only_its_owner_sees_it()
    {
        using var member = host.As(SecuredHost.MemberA);
        using var created = await member.PostAsJsonAsync("/api/v1/calendar-feeds", new { });
        var feed = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(SecuredHost.OrgA, feed["org"]!.GetValue<string>());
        var url = feed["url"]!.GetValue<string>();

        using var calendarApp = host.As(null);
        var calendar = await calendarApp.GetStringAsync(url);
        Assert.StartsWith("BEGIN:VCALENDAR", calendar, StringComparison.Ordinal);
        Assert.Contains(SecuredHost.OrgA, calendar, StringComparison.Ordinal);
        // A guessed token, or one a character off, opens nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync(url.Replace("/deadlines.ics", "x/deadlines.ics"))).StatusCode);

        // The listing never repeats the URL: the token is shown once.
        var listed = await Items(member, "/api/v1/calendar-feeds");
        Assert.Contains(listed, f => f!["id"]!.GetValue<string>() == feed["id"]!.GetValue<string>() && f["url"] is null);
        using var other = host.As(SecuredHost.MemberB);
        Assert.DoesNotContain(await Items(other, "/api/v1/calendar-feeds"), f => f!["id"]!.GetValue<string>() == feed["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/v1/calendar-feeds/{feed["id"]}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await member.DeleteAsync($"/api/v1/calendar-feeds/{feed["id"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync(url)).StatusCode);
    }

    private static async Task<JsonArray> Items(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!["items"]!.AsArray();
    }

    private static string Base64Url(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    private static string Signed(Dictionary<string, object> claims, SigningCredentials credentials) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestIdentity.Issuer,
            Audience = TestIdentity.Audience,
            Expires = DateTime.UtcNow.AddHours(1),
            Claims = claims,
            SigningCredentials = credentials,
        });
}
