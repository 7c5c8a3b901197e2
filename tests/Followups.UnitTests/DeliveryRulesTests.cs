using Followups.Notifier.Delivery;
using Followups.Notifier.Directory;

namespace Followups.UnitTests;

public sealed class DeliveryRulesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static NoticeFacts Assigned(string task) => new()
    {
        Kind = NoticeKinds.TaskAssigned, AgreementId = "agr-1", TaskId = task, Title = "Prepare proposals", DueDate = new DateOnly(2026, 12, 22), Role = "lead",
    };

    private static Notification Notice(string id, NoticeFacts facts, string audience = ContactRoles.Tasks) => new()
    {
        Id = id, RecipientOrg = "maz", Channel = Channels.Email, Audience = audience, Facts = facts, Kind = facts.Kind, CreatedAt = At,
    };

    private static Organisation Maz(string language, string mode = DigestModes.Immediate) => new()
    {
        Id = "maz",
        Names = new OrganisationNames { Ru = "МАЗ", En = "MAZ" },
        Language = language,
        Digest = new DigestPreference { Mode = mode },
        Contacts =
        [
            new Contact { Email = "tasks@maz.by", Role = ContactRoles.Tasks },
            new Contact { Email = "boss@maz.by", Role = ContactRoles.Escalation },
            new Contact { Email = "digest@maz.by", Role = ContactRoles.Digest },
        ],
    };

    [Fact]
    public void A_message_is_named_after_its_first_notice_and_new_messages_sort_after_older_ones()
    {
        var first = Notice("n1", Assigned("task-1"));
        first.DueAt = At;
        var later = Notice("n2", Assigned("task-2"));
        later.DueAt = At.AddMilliseconds(1);

        // Every worker that bundles the window names its message alike: the same notice, the same id.
        var readAgain = Notice("n1", Assigned("task-1"));
        readAgain.DueAt = At;
        Assert.Equal(DigestRules.IdFor("maz", Channels.Email, first), DigestRules.IdFor("maz", Channels.Email, readAgain));
        Assert.StartsWith("20261120T100000000-", DigestRules.IdFor("maz", Channels.Email, first), StringComparison.Ordinal);
        Assert.NotEqual(DigestRules.IdFor("maz", Channels.Email, first), DigestRules.IdFor("maz", Channels.Webhook, first));
        Assert.NotEqual(DigestRules.IdFor("maz", Channels.Email, first), DigestRules.IdFor("bkm", Channels.Email, first));
        Assert.True(string.CompareOrdinal(DigestRules.IdFor("maz", Channels.Email, first), DigestRules.IdFor("maz", Channels.Email, later)) < 0);
        // An instant with an offset is named in UTC.
        first.DueAt = At.ToOffset(TimeSpan.FromHours(3));
        Assert.StartsWith("20261120T100000000-", DigestRules.IdFor("maz", Channels.Email, first), StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_task_notice_reads_in_russian_with_deadline_agreement_and_link()
    {
        var message = Templates.Render(Languages.Russian, "МАЗ", [Assigned("task-1")], "https://followups.example.org/");

        Assert.Equal("Новое поручение (ответственный исполнитель): Prepare proposals", message.Subject);
        Assert.Contains("Срок исполнения: 22.12.2026", message.Text, StringComparison.Ordinal);
        Assert.Contains("Договорённость: agr-1", message.Text, StringComparison.Ordinal);
        Assert.Contains("https://followups.example.org/api/v1/tasks/task-1", message.Text, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://followups.example.org/api/v1/tasks/task-1\">Открыть поручение</a>", message.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_digest_reads_in_english_and_escapes_html()
    {
        var summary = new NoticeFacts
        {
            Kind = NoticeKinds.AgreementRecorded, AgreementId = "agr-1", AgreementTitle = "Talks <Belarus & Kirov>",
            Items = [new NoticeItem { Key = "buses", Summary = "Renew buses", Role = NoticeRules.CoExecutor }],
        };

        var message = Templates.Render(Languages.English, "MAZ", [summary, Assigned("task-1"), Assigned("task-2")], "http://127.0.0.1:5080");

        Assert.StartsWith("Followups digest: 3 notices — New agreement «Talks <Belarus & Kirov>»", message.Subject, StringComparison.Ordinal);
        Assert.Contains("Renew buses — co-executor", message.Text, StringComparison.Ordinal);
        Assert.Contains("Talks &lt;Belarus &amp; Kirov&gt;", message.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<Belarus", message.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Escalations_go_to_escalation_contacts_and_bundled_digests_to_digest_contacts()
    {
        var escalation = Notice("n1", Assigned("task-1") with { Kind = NoticeKinds.TaskEscalated }, ContactRoles.Escalation);

        Assert.Equal(["boss@maz.by"], DigestRules.Compose("d", "maz", Channels.Email, Maz("en"), [escalation], "", At).Addresses);
        Assert.Equal(["tasks@maz.by"], DigestRules.Compose("d", "maz", Channels.Email, Maz("en"), [Notice("n2", Assigned("task-1"))], "", At).Addresses);
        Assert.Equal(["digest@maz.by"], DigestRules.Compose("d", "maz", Channels.Email, Maz("en", DigestModes.Daily), [Notice("n2", Assigned("task-1"))], "", At).Addresses);
        Assert.Empty(DigestRules.Compose("d", "nobody", Channels.Email, null, [Notice("n2", Assigned("task-1"))], "", At).Addresses);
    }

    [Fact]
    public void A_digest_is_written_in_the_recipients_language_and_lists_its_notices_in_order()
    {
        var digest = DigestRules.Compose("d-1", "maz", Channels.Email, Maz("ru"), [Notice("b", Assigned("task-2")), Notice("a", Assigned("task-1"))], "", At);

        Assert.Equal(["a", "b"], digest.NoticeIds);
        Assert.Equal("ru", digest.Language);
        Assert.StartsWith("Сводка Followups: 2", digest.Subject, StringComparison.Ordinal);
        Assert.Equal("d-1@followups", digest.MessageId());
        Assert.Equal((NotificationStatus.Pending, At), (digest.Status, digest.NextAttemptAt));
    }

    [Fact]
    public void The_webhook_signature_is_hmac_sha256_over_timestamp_dot_body()
    {
        // Checked against: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'secret-secret-secret'
        Assert.Equal(
            "sha256=fa345d5b654e6667128855e14a4938c54b5b813699e6b72c5c4f501aa493ba92",
            WebhookChannel.Sign("secret-secret-secret", 1700000000, "{\"a\":1}"));
        Assert.NotEqual(WebhookChannel.Sign("secret-secret-secret", 1700000000, "{\"a\":1}"), WebhookChannel.Sign("secret-secret-secret", 1700000001, "{\"a\":1}"));
    }
}
