using Followups.ServiceDefaults;
using Followups.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Followups.Notifier.Delivery;

/// <summary>HTTP API of the delivery log.</summary>
public static class NotificationEndpoints
{
    public static void MapNotifications(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/notifications").WithTags("Notifications");
        group.MapGet("/", List);
    }

    internal static async Task<Ok<Page<NotificationView>>> List(
        IDocumentStore<Notification> store, string? org, int? limit, CancellationToken cancellationToken)
    {
        var items = org is null
            ? await store.Query(n => true, Paging.Limit(limit), n => n.CreatedAt, cancellationToken)
            : await store.Query(n => n.RecipientOrg == org, Paging.Limit(limit), n => n.CreatedAt, cancellationToken);
        return TypedResults.Ok(new Page<NotificationView>(items.Select(NotificationView.From).ToList()));
    }
}

/// <summary>A delivery log entry as the API shows it.</summary>
public sealed record NotificationView(
    string Id, string Source, string Kind, string RecipientOrg, string Channel, string? AgreementId, string? TaskId, string Status,
    DateTimeOffset DueAt, string? DigestId, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, string? LastError)
{
    public static NotificationView From(Notification n) =>
        new(n.Id, n.Source, n.Kind, n.RecipientOrg, n.Channel, n.AgreementId, n.TaskId, n.Status, n.DueAt, n.DigestId, n.CreatedAt, n.SentAt, n.LastError);
}
