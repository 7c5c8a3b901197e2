using Followups.Contracts;
using Followups.Notifier.Delivery;
using Followups.Notifier.Directory;

namespace Followups.UnitTests;

public sealed class NoticeRulesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Due = new(2026, 12, 22);

    private static readonly Dictionary<string, Recipient> Directory = new()
    {
        ["maz"] = new("maz", "by-industry", HasWebhooks: true),
        ["belkommunmash"] = new("belkommunmash", "by-industry", HasWebhooks: false),
        ["by-industry"] = new("by-industry", null, HasWebhooks: false),
        ["kirov-transport"] = new("kirov-transport", null, HasWebhooks: false),
    };

    private static AgreementRecorded Agreement() => new(
        "agr-1", 1, "Belarus–Kirov talks", new DateOnly(2026, 11, 20), [],
        [
            new AgreedCommitment("buses", "Renew the bus fleet", "passenger-transport", "supply", "maz", ["belkommunmash", "kirov-transport"], null, Controller: "by-industry"),
            new AgreedCommitment("trolleybuses", "Renew trolleybuses", "passenger-transport", "supply", "belkommunmash", ["maz"], Due),
            new AgreedCommitment("service", "Service centre", "passenger-transport", "supply", "maz", [], null),
        ],
        At);

    [Fact]
    public void An_agreement_gives_each_involved_organisation_one_summary_of_its_part_per_channel()
    {
        var notices = NoticeRules.ForAgreementRecorded(Agreement(), Directory);

        Assert.Equal(
            ["belkommunmash/email", "by-industry/email", "kirov-transport/email", "maz/email", "maz/webhook"],
            notices.Select(n => $"{n.RecipientOrg}/{n.Channel}").Order());
        var maz = notices.First(n => n.RecipientOrg == "maz");
        Assert.Equal([("buses", "lead"), ("trolleybuses", "co-executor"), ("service", "lead")], maz.Facts.Items.Select(i => (i.Key, i.Role)));
        Assert.Equal("Belarus–Kirov talks", maz.Facts.AgreementTitle);
        Assert.Equal([("buses", "controller")], notices.First(n => n.RecipientOrg == "by-industry").Facts.Items.Select(i => (i.Key, i.Role)));
    }

    [Fact]
    public void A_redelivered_event_decides_the_same_ids_and_another_version_new_ones()
    {
        var first = NoticeRules.ForAgreementRecorded(Agreement(), Directory).Select(n => n.Id);
        var again = NoticeRules.ForAgreementRecorded(Agreement(), Directory).Select(n => n.Id);
        var next = NoticeRules.ForAgreementRecorded(Agreement() with { Version = 2 }, Directory).Select(n => n.Id);

        Assert.Equal(first, again);
        Assert.Empty(first.Intersect(next));
        Assert.Equal(first.Count(), first.Distinct().Count());
    }

    [Fact]
    public void An_amendment_summarises_what_was_added_or_changed_for_each_organisation()
    {
        var amended = new AgreementAmended("agr-1", 2,
            [new AgreedCommitment("parts", "Spare parts", "passenger-transport", "supply", "belkommunmash", [], Due)],
            [new AgreedCommitment("buses", "Renew the bus fleet sooner", "passenger-transport", "supply", "maz", [], Due)],
            [new CancelledCommitment("service", "dropped")], "secretariat", At);

        var notices = NoticeRules.ForAgreementAmended(amended, Directory);

        Assert.Equal(["belkommunmash/email", "maz/email", "maz/webhook"], notices.Select(n => $"{n.RecipientOrg}/{n.Channel}").Order());
        Assert.Equal("added", notices.First(n => n.RecipientOrg == "belkommunmash").Facts.Items.Single().Change);
        Assert.Equal("changed", notices.First(n => n.RecipientOrg == "maz").Facts.Items.Single().Change);
    }

    [Fact]
    public void A_task_assignment_goes_to_the_responsible_organisation()
    {
        var assigned = new TaskAssigned("task-1", "agr-1", "buses", "Prepare proposals", "belkommunmash", "co-executor", Due, At);

        var notice = Assert.Single(NoticeRules.ForTaskAssigned(assigned, Directory));

        Assert.Equal(("belkommunmash", Channels.Email, ContactRoles.Tasks), (notice.RecipientOrg, notice.Channel, notice.Audience));
        Assert.Equal(("task-1", Due, "co-executor"), (notice.Facts.TaskId, notice.Facts.DueDate, notice.Facts.Role));
        Assert.Equal(notice.Id, NoticeRules.ForTaskAssigned(assigned, Directory)[0].Id);
        Assert.NotEqual(notice.Id, NoticeRules.ForTaskAssigned(assigned with { TaskId = "task-2" }, Directory)[0].Id);
    }

    [Fact]
    public void Reminders_and_overdue_notices_go_to_the_responsible_organisation_once_per_level()
    {
        var soon3 = NoticeRules.ForTaskDueSoon(new TaskDueSoon("task-1", "agr-1", "buses", "Prepare", "kirov-transport", Due, 3, At), Directory);
        var soon1 = NoticeRules.ForTaskDueSoon(new TaskDueSoon("task-1", "agr-1", "buses", "Prepare", "kirov-transport", Due, 1, At.AddDays(2)), Directory);
        var overdue = NoticeRules.ForTaskOverdue(new TaskOverdue("task-1", "agr-1", "buses", "Prepare", "kirov-transport", Due, At.AddDays(5)), Directory);

        Assert.All(soon3.Concat(soon1).Concat(overdue), n => Assert.Equal("kirov-transport", n.RecipientOrg));
        Assert.Equal(3, new[] { soon3[0].Id, soon1[0].Id, overdue[0].Id }.Distinct().Count());
        Assert.Equal(NoticeKinds.TaskOverdue, overdue[0].Facts.Kind);
    }

    [Fact]
    public void An_escalation_goes_to_the_supervisor_and_the_controller_on_their_escalation_contacts()
    {
        var escalated = new TaskEscalated("task-1", "agr-1", "buses", "Prepare", "belkommunmash", "kirov-transport", Due, 5, At);

        var notices = NoticeRules.ForTaskEscalated(escalated, Directory);

        Assert.Equal(["by-industry", "kirov-transport"], notices.Select(n => n.RecipientOrg).Order());
        Assert.All(notices, n => Assert.Equal(ContactRoles.Escalation, n.Audience));
        Assert.All(notices, n => Assert.Equal("belkommunmash", n.Facts.ResponsibleOrg));
    }

    [Fact]
    public void An_escalation_with_neither_supervisor_nor_controller_reaches_the_responsible_organisation()
    {
        var escalated = new TaskEscalated("task-1", "agr-1", "buses", "Prepare", "kirov-transport", null, Due, 5, At);

        Assert.Equal("kirov-transport", Assert.Single(NoticeRules.ForTaskEscalated(escalated, Directory)).RecipientOrg);
    }

    [Fact]
    public void An_extension_decision_goes_to_the_requesting_organisation()
    {
        var decided = new TaskExtensionDecided("task-1", "agr-1", "Prepare", "maz", "maz", true, Due, Due, "supplier delay", "secretariat", At);

        var notices = NoticeRules.ForExtensionDecided(decided, Directory);

        Assert.Equal(["maz/email", "maz/webhook"], notices.Select(n => $"{n.RecipientOrg}/{n.Channel}"));
        Assert.True(notices[0].Facts.Approved);
    }

    [Fact]
    public void A_cancelled_task_is_told_to_the_organisation_that_held_it_once_in_its_language()
    {
        var cancelled = new TaskCancelled("task-1", "agr-1", "peat", "maz", "Postponed to the next commission", At, "Peat processing proposal");

        var notices = NoticeRules.ForTaskCancelled(cancelled, Directory);
        var again = NoticeRules.ForTaskCancelled(cancelled, Directory);

        Assert.Equal(["maz/email", "maz/webhook"], notices.Select(n => $"{n.RecipientOrg}/{n.Channel}"));
        Assert.Equal(notices.Select(n => n.Id), again.Select(n => n.Id));
        var ru = Templates.Render("ru", "МАЗ", [notices[0].Facts], "http://127.0.0.1:5080");
        var en = Templates.Render("en", "MAZ", [notices[0].Facts], "http://127.0.0.1:5080");
        Assert.Contains("Поручение отменено: Peat processing proposal", ru.Text, StringComparison.Ordinal);
        Assert.Contains("Основание: Postponed to the next commission", ru.Text, StringComparison.Ordinal);
        Assert.Contains("Task cancelled: Peat processing proposal", en.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Immediate_notices_wait_only_for_the_burst_to_settle()
    {
        var due = DigestWindows.DueAt(new DigestPreference(), Channels.Email, At, TimeSpan.FromSeconds(10));

        Assert.Equal(At.AddSeconds(10), due);
    }

    [Fact]
    public void Hourly_notices_are_due_at_the_top_of_the_next_hour()
    {
        var preference = new DigestPreference { Mode = DigestModes.Hourly };

        Assert.Equal(At.AddHours(1), DigestWindows.DueAt(preference, Channels.Email, At, TimeSpan.Zero));
        Assert.Equal(At.AddHours(1), DigestWindows.DueAt(preference, Channels.Email, At.AddMinutes(59), TimeSpan.Zero));
        Assert.Equal(At.AddSeconds(5), DigestWindows.DueAt(preference, Channels.Webhook, At, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Daily_notices_are_due_at_the_local_hour_of_the_recipient()
    {
        var preference = new DigestPreference { Mode = DigestModes.Daily, Hour = 9, TimeZone = "Europe/Moscow" };

        // 10:00 UTC is 13:00 in Moscow: the next 09:00 there is tomorrow, 06:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero), DigestWindows.DueAt(preference, Channels.Email, At, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 6, 0, 0, TimeSpan.Zero), DigestWindows.DueAt(preference, Channels.Email, At.AddHours(-5), TimeSpan.Zero));
        Assert.Equal(TimeSpan.Zero, DigestWindows.DueAt(preference, Channels.Email, At, TimeSpan.Zero).Offset);
    }
}
