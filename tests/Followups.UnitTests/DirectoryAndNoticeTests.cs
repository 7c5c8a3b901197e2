using Followups.Contracts;
using Followups.Notifier.Delivery;
using Followups.Notifier.Directory;
using Followups.ServiceDefaults;

namespace Followups.UnitTests;

public sealed class DirectoryAndNoticeTests
{
    [Fact]
    public void A_valid_organisation_passes_with_its_addresses_trimmed_and_deduplicated()
    {
        var errors = new FieldErrors();
        var details = OrganisationRules.Validate("maz", new OrganisationRequest("MAZ", "BY", "company", [" tasks@maz.by", "TASKS@maz.by"]), errors);

        Assert.False(errors.Any);
        Assert.Equal(["tasks@maz.by"], details!.Emails);
    }

    [Fact]
    public void Each_bad_organisation_field_is_named()
    {
        var errors = new FieldErrors();
        OrganisationRules.Validate("MAZ Holding", new OrganisationRequest("", "Belarus", "factory", ["not-an-address", "ok@maz.by"]), errors);

        Assert.Equal(["id", "name", "country", "kind", "emails[0]"], errors.ToDictionary().Keys);
    }

    [Fact]
    public void Reapplying_the_same_details_changes_nothing_and_raises_nothing()
    {
        var organisation = new Organisation { Id = "maz" };
        var details = new OrganisationDetails("MAZ", "BY", "company", ["tasks@maz.by"]);

        Assert.True(organisation.Apply(details, DateTimeOffset.UnixEpoch));
        Assert.False(organisation.Apply(details, DateTimeOffset.UnixEpoch.AddDays(1)));

        Assert.Equal(1, organisation.Revision);
        Assert.Single(organisation.Pending);
    }

    [Fact]
    public void A_task_assignment_notice_goes_to_the_responsible_organisation_with_a_repeatable_id()
    {
        var assigned = new TaskAssigned("task-1", "agr-1", "buses", "Expand supplies of MAZ buses", "maz", "lead", new DateOnly(2026, 12, 22), DateTimeOffset.UnixEpoch);

        var notice = NoticeRules.ForTaskAssigned(assigned, ["tasks@maz.by"]);
        var again = NoticeRules.ForTaskAssigned(assigned, ["tasks@maz.by"]);

        Assert.Equal("maz", notice.RecipientOrg);
        Assert.Equal(["tasks@maz.by"], notice.Addresses);
        Assert.Contains("2026-12-22", notice.Subject, StringComparison.Ordinal);
        Assert.Equal(notice.Id, again.Id);
        Assert.NotEqual(notice.Id, NoticeRules.ForTaskAssigned(assigned with { TaskId = "task-2" }, []).Id);
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
