using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Followups.Notifier.Directory;

namespace Followups.Notifier.Delivery;

/// <summary>A rendered message: subject, plain text and HTML.</summary>
public sealed record RenderedMessage(string Subject, string Text, string Html);

/// <summary>Russian and English wording of notices and digests (terms from the glossary); pure, so tests read the words.</summary>
public static class Templates
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>One message for <paramref name="notices"/>, in <paramref name="language"/>, each task with its deadline and a link.</summary>
    public static RenderedMessage Render(string language, string recipientName, IReadOnlyList<NoticeFacts> notices, string publicBaseUrl)
    {
        var ru = language == Languages.Russian;
        var lines = notices.Select(n => Describe(n, ru, publicBaseUrl)).ToList();
        var subject = notices.Count == 1
            ? lines[0].Headline
            : ru ? $"Сводка Followups: {Count(notices.Count, ru)} — {lines[0].Headline}" : $"Followups digest: {Count(notices.Count, ru)} — {lines[0].Headline}";

        var text = new StringBuilder();
        var html = new StringBuilder("<!DOCTYPE html><html><body>");
        var greeting = ru ? $"Уважаемые коллеги ({recipientName})," : $"Dear colleagues at {recipientName},";
        text.AppendLine(greeting).AppendLine();
        html.Append("<p>").Append(Encode(greeting)).Append("</p>");
        foreach (var line in lines)
        {
            text.AppendLine("• " + line.Headline);
            html.Append("<h3>").Append(Encode(line.Headline)).Append("</h3><ul>");
            foreach (var detail in line.Details)
            {
                text.AppendLine("  " + detail);
                html.Append("<li>").Append(Encode(detail)).Append("</li>");
            }

            if (line.Link is { } link)
            {
                text.AppendLine("  " + link);
                html.Append("<li><a href=\"").Append(Encode(link)).Append("\">").Append(ru ? "Открыть поручение" : "Open the task").Append("</a></li>");
            }

            text.AppendLine();
            html.Append("</ul>");
        }

        var footer = ru ? "Это сообщение отправлено системой Followups." : "This message was sent by Followups.";
        text.AppendLine(footer);
        html.Append("<p><small>").Append(Encode(footer)).Append("</small></p></body></html>");
        return new RenderedMessage(subject, text.ToString(), html.ToString());
    }

    /// <summary>The JSON body of a webhook delivery: the notices as data, for machines.</summary>
    public static string Payload(string deliveryId, string organisation, DateTimeOffset createdAt, IReadOnlyList<(string Id, NoticeFacts Facts)> notices) =>
        JsonSerializer.Serialize(
            new
            {
                id = deliveryId,
                organisation,
                createdAt,
                notices = notices.Select(n => new { id = n.Id, n.Facts.Kind, n.Facts.AgreementId, n.Facts.AgreementTitle, n.Facts.TaskId, n.Facts.CommitmentKey, n.Facts.Title, n.Facts.DueDate, n.Facts.Role, n.Facts.WorkingDays, n.Facts.ResponsibleOrg, n.Facts.Approved, n.Facts.RequestedDueDate, n.Facts.Reason, n.Facts.Items }),
            },
            Json);

    private sealed record Line(string Headline, IReadOnlyList<string> Details, string? Link);

    private static Line Describe(NoticeFacts n, bool ru, string baseUrl)
    {
        var agreement = n.AgreementTitle is { } title ? $"«{title}»" : n.AgreementId;
        var due = n.DueDate is { } d ? Day(d) : null;
        var link = n.TaskId is { } task ? $"{baseUrl.TrimEnd('/')}/api/v1/tasks/{Uri.EscapeDataString(task)}" : null;
        var agreementLine = ru ? $"Договорённость: {agreement}" : $"Agreement: {agreement}";
        var dueLine = due is null ? null : ru ? $"Срок исполнения: {due}" : $"Deadline: {due}";
        string[] Task(params string?[] extra) => new[] { agreementLine, dueLine }.Concat(extra).OfType<string>().ToArray();

        return n.Kind switch
        {
            NoticeKinds.AgreementRecorded or NoticeKinds.AgreementAmended => new Line(
                n.Kind == NoticeKinds.AgreementRecorded
                    ? ru ? $"Новая договорённость {agreement}: пунктов с вашим участием — {n.Items.Count}" : $"New agreement {agreement}: {n.Items.Count} item(s) involve you"
                    : ru ? $"Изменения договорённости {agreement}: пунктов с вашим участием — {n.Items.Count}" : $"Agreement {agreement} amended: {n.Items.Count} item(s) involve you",
                n.Items.Select(i => Item(i, ru)).ToList(),
                null),
            NoticeKinds.TaskAssigned => new Line(
                ru ? $"Новое поручение ({Role(n.Role, ru)}): {n.Title}" : $"New task ({Role(n.Role, ru)}): {n.Title}", Task(), link),
            NoticeKinds.TaskDueSoon => new Line(
                ru ? $"Срок исполнения близко ({n.WorkingDays} раб. дн.): {n.Title}" : $"Due in {n.WorkingDays} working day(s): {n.Title}", Task(), link),
            NoticeKinds.TaskOverdue => new Line(
                ru ? $"Просрочено: {n.Title}" : $"Overdue: {n.Title}", Task(), link),
            NoticeKinds.TaskEscalated => new Line(
                ru ? $"Эскалация: поручение «{n.Title}» просрочено на {n.WorkingDays} раб. дн." : $"Escalation: \"{n.Title}\" is {n.WorkingDays} working day(s) overdue",
                Task(ru ? $"Ответственный исполнитель: {n.ResponsibleOrg}" : $"Lead executor: {n.ResponsibleOrg}"),
                link),
            NoticeKinds.ExtensionDecided => new Line(
                n.Approved == true
                    ? ru ? $"Запрос на продление срока одобрен: {n.Title}" : $"Extension request approved: {n.Title}"
                    : ru ? $"Запрос на продление срока отклонён: {n.Title}" : $"Extension request rejected: {n.Title}",
                Task(string.IsNullOrWhiteSpace(n.Reason) ? null : (ru ? "Основание: " : "Reason: ") + n.Reason),
                link),
            NoticeKinds.TaskCancelled => new Line(
                ru ? $"Поручение отменено: {n.Title}" : $"Task cancelled: {n.Title}",
                Task(string.IsNullOrWhiteSpace(n.Reason) ? null : (ru ? "Основание: " : "Reason: ") + n.Reason),
                link),
            _ => new Line(n.Title ?? n.Kind, Task(), link),
        };
    }

    private static string Item(NoticeItem item, bool ru)
    {
        var change = item.Change switch
        {
            "added" => ru ? "[новый пункт] " : "[added] ",
            "changed" => ru ? "[изменён] " : "[changed] ",
            _ => "",
        };
        var due = item.DueDate is { } d ? (ru ? $", срок {Day(d)}" : $", due {Day(d)}") : "";
        return $"{change}{item.Summary} — {Role(item.Role, ru)}{due}";
    }

    private static string Role(string? role, bool ru) => role switch
    {
        NoticeRules.Lead => ru ? "ответственный исполнитель" : "lead executor",
        NoticeRules.CoExecutor => ru ? "соисполнитель" : "co-executor",
        NoticeRules.Controller => ru ? "контролёр" : "controller",
        NoticeRules.Counterpart => ru ? "партнёр с другой стороны" : "counterpart",
        _ => role ?? "",
    };

    private static string Count(int n, bool ru) => ru ? $"{n} уведомл." : $"{n} notices";

    private static string Day(DateOnly date) => date.ToString("dd.MM.yyyy", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
