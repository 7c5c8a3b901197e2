using System.Security.Cryptography;
using Followups.Dashboard.Api;
using Followups.Dashboard.Pages.Agreements;
using Followups.Dashboard.SignIn;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Followups.UnitTests;

public sealed class DashboardSessionTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(SigningKeys.MinimumKeyBytes);
    private static readonly AuthOptions Auth = new() { SigningKey = Convert.ToBase64String(Key), ClockSkew = TimeSpan.Zero };
    private readonly Session _session = new(Options.Create(Auth), new EphemeralDataProtectionProvider());

    private static string Token(string[] roles, string? org = null, TimeSpan? lifetime = null, DateTimeOffset? now = null, byte[]? key = null, string audience = "followups-api") =>
        Tokens.Mint(key ?? Key, Auth.Issuer, audience, "someone", roles, org, lifetime ?? TimeSpan.FromHours(1), now);

    [Fact]
    public async Task A_valid_token_yields_its_own_subject_roles_and_organisation()
    {
        var result = await _session.Validate(Token([Roles.Member], "maz"));

        Assert.True(result.IsValid);
        var caller = Caller.From(Session.User(result));
        Assert.Equal("someone", caller.Actor);
        Assert.Equal([Roles.Member], caller.Roles);
        Assert.Equal("maz", caller.Organisation);
        Assert.True(Session.User(result).IsInRole(Roles.Member));
    }

    [Fact]
    public async Task Expired_forged_and_foreign_tokens_are_refused_with_a_reason_the_user_can_act_on()
    {
        var expired = await _session.Validate(Token([Roles.Manager], lifetime: TimeSpan.FromHours(1), now: DateTimeOffset.UtcNow.AddHours(-2)));
        var forged = await _session.Validate(Token([Roles.Secretariat], key: RandomNumberGenerator.GetBytes(32)));
        var foreign = await _session.Validate(Token([Roles.Secretariat], audience: "another-api"));
        var garbage = await _session.Validate("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
        var huge = await _session.Validate(new string('a', Session.MaxTokenLength + 1));

        Assert.All(new[] { expired, forged, foreign, garbage, huge }, r => Assert.False(r.IsValid));
        Assert.Contains("expired", Session.Reason(expired.Exception));
        Assert.Contains("key", Session.Reason(forged.Exception));
        Assert.Contains("audience", Session.Reason(foreign.Exception));
    }

    [Fact]
    public void The_cookie_holds_the_token_encrypted_and_http_only_for_the_dashboard_only()
    {
        var token = Token([Roles.Admin]);
        var response = new DefaultHttpContext();
        _session.Write(response, token);

        var header = response.Response.Headers.SetCookie.ToString();
        Assert.Contains("httponly", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/ui", header, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(token.Split('.')[1], header);

        var request = new DefaultHttpContext();
        request.Request.Headers.Cookie = header.Split(';')[0];
        Assert.Equal(token, _session.Read(request));

        var tampered = new DefaultHttpContext();
        tampered.Request.Headers.Cookie = Session.Cookie + "=" + token;
        Assert.Null(_session.Read(tampered));
    }
}

public sealed class TimelineTests
{
    private static TaskItem Task(DateOnly original, DateOnly due) => new(
        "t", "a", "buses", "proposal", "Commercial proposal", "passenger-transport", "maz", "lead", null, original, due, "assigned", false, false, 0,
        null, null, null, null, null, null, null);

    [Fact]
    public void The_scale_runs_from_the_talks_past_the_latest_deadline_and_places_dates_proportionally()
    {
        var talks = new DateOnly(2026, 11, 20);
        var scale = Timeline.For(talks, [Task(new DateOnly(2027, 1, 15), new DateOnly(2027, 3, 1))], talks);

        Assert.Equal(talks, scale.Start);
        Assert.True(scale.End > new DateOnly(2027, 3, 1));
        Assert.Equal("0%", scale.At(talks));
        Assert.Equal("100%", scale.At(scale.End.AddDays(10)));
        var original = double.Parse(scale.At(new DateOnly(2027, 1, 15)).TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
        var due = double.Parse(scale.At(new DateOnly(2027, 3, 1)).TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(original < due);
    }

    [Fact]
    public void Marks_are_months_on_a_short_span_and_quarters_on_a_long_one()
    {
        var talks = new DateOnly(2026, 11, 20);
        var shortSpan = Timeline.For(talks, [Task(new DateOnly(2027, 3, 1), new DateOnly(2027, 3, 1))], talks).Marks().Select(m => m.Label).ToList();
        var longSpan = Timeline.For(talks, [Task(new DateOnly(2028, 6, 1), new DateOnly(2028, 6, 1))], talks).Marks().Select(m => m.Label).ToList();

        Assert.Equal(["2026-12", "2027-01", "2027-02", "2027-03"], shortSpan);
        Assert.Equal(["2027-01", "2027-04", "2027-07", "2027-10", "2028-01", "2028-04"], longSpan);
    }
}
