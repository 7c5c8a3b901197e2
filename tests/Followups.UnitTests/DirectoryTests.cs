using Followups.Notifier.Directory;
using Followups.ServiceDefaults;

namespace Followups.UnitTests;

public sealed class DirectoryTests
{
    private static OrganisationRequest Simple(params string?[] emails) => new("MAZ", "BY", "company", [.. emails]);

    [Fact]
    public void The_simple_body_still_works_and_its_emails_become_task_contacts()
    {
        var errors = new FieldErrors();
        var details = OrganisationRules.Validate("maz", Simple(" tasks@maz.by", "TASKS@maz.by"), errors);

        Assert.False(errors.Any);
        Assert.Equal([new Contact { Email = "tasks@maz.by", Role = ContactRoles.Tasks }], details!.Contacts);
        Assert.Equal("MAZ", details.Names.En);
        Assert.Equal(Languages.Russian, details.Language);
        Assert.Equal(DigestModes.Immediate, details.Digest.Mode);
    }

    [Fact]
    public void Each_bad_organisation_field_is_named()
    {
        var errors = new FieldErrors();
        OrganisationRules.Validate("MAZ Holding", new OrganisationRequest("", "Belarus", "factory", ["not-an-address", "ok@maz.by"]), errors);

        Assert.Equal(["id", "name", "country", "kind", "emails[0]"], errors.ToDictionary().Keys);
    }

    [Fact]
    public void The_full_body_is_checked_field_by_field()
    {
        var errors = new FieldErrors();
        OrganisationRules.Validate("maz", Simple() with
        {
            Supervisor = "maz",
            Contacts = [new ContactRequest("boss@maz.by", "boss"), new ContactRequest("nope", ContactRoles.Digest)],
            Webhooks = [new WebhookRequest("http://example.org/hook", "0123456789abcdef"), new WebhookRequest("https://example.org/hook", "short"), new WebhookRequest("https://example.org/new", null)],
            Language = "de",
            Digest = new DigestRequest("daily", 25, "Mars/Olympus"),
        }, errors);

        Assert.Equal(
            ["supervisor", "contacts[0].role", "contacts[1].email", "webhooks[0].url", "webhooks[1].secret", "webhooks[2].secret", "language", "digest.hour", "digest.timeZone"],
            errors.ToDictionary().Keys);
    }

    [Theory]
    [InlineData("https://hooks.maz.by/followups", true)]
    [InlineData("http://127.0.0.1:8080/hook", true)]
    [InlineData("http://localhost/hook", true)]
    [InlineData("http://[::1]:9000/hook", true)]
    [InlineData("http://hooks.maz.by/followups", false)]
    [InlineData("ftp://hooks.maz.by/", false)]
    [InlineData("/relative/hook", false)]
    [InlineData("https://user:pw@hooks.maz.by/", false)]
    public void Webhooks_must_be_https_or_loopback_http(string url, bool valid) =>
        Assert.Equal(valid, OrganisationRules.IsWebhookUrl(url, out _));

    [Fact]
    public void A_webhook_repeated_without_its_secret_keeps_the_stored_one()
    {
        var existing = new Organisation { Id = "maz", Webhooks = [new Webhook { Url = "https://hooks.maz.by/f", Secret = "0123456789abcdef-secret" }] };
        var errors = new FieldErrors();

        var details = OrganisationRules.Validate("maz", Simple() with { Webhooks = [new WebhookRequest("https://hooks.maz.by/f", null)] }, errors, existing);

        Assert.False(errors.Any);
        Assert.Equal("0123456789abcdef-secret", details!.Webhooks[0].Secret);
    }

    [Fact]
    public void The_view_never_shows_a_webhook_secret()
    {
        var organisation = new Organisation { Id = "maz", Names = new OrganisationNames { En = "MAZ" }, Webhooks = [new Webhook { Url = "https://hooks.maz.by/f", Secret = "0123456789abcdef-wxyz" }] };

        var view = OrganisationView.From(organisation);

        Assert.Equal("…wxyz", view.Webhooks[0].SecretHint);
        Assert.DoesNotContain("0123456789abcdef", System.Text.Json.JsonSerializer.Serialize(view), StringComparison.Ordinal);
    }

    [Fact]
    public void Reapplying_the_same_details_changes_nothing_and_raises_nothing()
    {
        var organisation = new Organisation { Id = "maz" };
        var details = OrganisationRules.Validate("maz", Simple("tasks@maz.by"), new FieldErrors())!;

        Assert.True(organisation.Apply(details, DateTimeOffset.UnixEpoch));
        Assert.False(organisation.Apply(OrganisationRules.Validate("maz", Simple("tasks@maz.by"), new FieldErrors())!, DateTimeOffset.UnixEpoch.AddDays(1)));

        Assert.Equal(1, organisation.Revision);
        Assert.Single(organisation.Pending);
    }

    [Fact]
    public void A_change_is_published_with_both_names_and_the_supervisor()
    {
        var organisation = new Organisation { Id = "maz" };
        var details = OrganisationRules.Validate("maz", Simple() with { Names = new NamesRequest("МАЗ", null), Supervisor = "by-industry" }, new FieldErrors())!;

        organisation.Apply(details, DateTimeOffset.UnixEpoch);
        var changed = organisation.ToEvent();

        Assert.Equal(("MAZ", "МАЗ", "by-industry"), (changed.Name, changed.NameRu, changed.SupervisorId));
    }

    [Fact]
    public void Deterministic_ids_depend_on_every_part_and_on_nothing_else()
    {
        Assert.Equal(DeterministicId.From("a", "b"), DeterministicId.From("a", "b"));
        Assert.NotEqual(DeterministicId.From("a", "b"), DeterministicId.From("ab"));
        Assert.NotEqual(DeterministicId.From("a", "b"), DeterministicId.From("b", "a"));
        Assert.Equal('5', DeterministicId.Text("x")[14]);
    }
}
