using System.Linq.Expressions;
using Followups.Notifier.Directory;
using Followups.ServiceDefaults;
using Followups.ServiceDefaults.Security;
using Followups.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Followups.Notifier.Delivery;

/// <summary>HTTP API of the delivery log: what each organisation was told, by which message, and whether it went out.</summary>
public static class NotificationEndpoints
{
    public static void MapNotifications(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/notifications").WithTags("Notifications");
        group.MapGet("/", List).Allow(Readers);
        group.MapGet("/summary", Summary).Allow(Readers);
        group.MapGet("/{id}", Get).Allow(Readers);
        group.MapPost("/{id}/retry", Retry).Allow(Roles.Admin);
    }

    /// <summary>Staff read the whole log; a member reads what its own organisation was sent.</summary>
    private static readonly string[] Readers = [Roles.Secretariat, Roles.Manager, Roles.Admin, Roles.Member];

    private static readonly string[] SeeAll = [Roles.Secretariat, Roles.Manager, Roles.Admin];

    internal static async Task<Results<Ok<Page<NotificationView>>, ValidationProblem>> List(
        Caller caller, IDocumentStore<Notification> store, IDocumentStore<Digest> digests,
        string? org, string? status, string? channel, string? agreementId, string? since, int? limit, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var filters = Filters(caller, org, status, channel, agreementId, since, errors);
        if (errors.Any)
        {
            return errors.ToBadRequest();
        }

        var items = await store.Query(AllOf(filters), Paging.Limit(limit), n => n.CreatedAt, cancellationToken);
        var messages = new Dictionary<string, Digest?>(StringComparer.Ordinal);
        var views = new List<NotificationView>();
        foreach (var notice in items)
        {
            if (notice.DigestId is { } digestId && !messages.ContainsKey(digestId))
            {
                messages[digestId] = await digests.Find(digestId, cancellationToken);
            }

            views.Add(NotificationView.From(notice, notice.DigestId is null ? null : messages[notice.DigestId]));
        }

        return TypedResults.Ok(new Page<NotificationView>(views));
    }

    /// <summary>
    /// How many of the log's notices stand at each status, with the list's filters: e.g. whether everything an agreement
    /// caused has gone out, without reading every notice. The store counts; every status has its entry, zero or not.
    /// </summary>
    internal static async Task<Results<Ok<NotificationSummary>, ValidationProblem>> Summary(
        Caller caller, IDocumentStore<Notification> store, string? org, string? channel, string? agreementId, string? since, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var filters = Filters(caller, org, status: null, channel, agreementId, since, errors);
        if (errors.Any)
        {
            return errors.ToBadRequest();
        }

        var counts = await store.CountBy(AllOf(filters), n => n.Status, cancellationToken);
        var byStatus = NotificationStatus.All.ToDictionary(s => s, s => counts.GetValueOrDefault(s), StringComparer.Ordinal);
        return TypedResults.Ok(new NotificationSummary(byStatus.Values.Sum(), byStatus));
    }

    /// <summary>The store filters of the log's query parameters; each bad one is named in <paramref name="errors"/>.</summary>
    private static List<Expression<Func<Notification, bool>>> Filters(
        Caller caller, string? org, string? status, string? channel, string? agreementId, string? since, FieldErrors errors)
    {
        var filters = new List<Expression<Func<Notification, bool>>>();
        if (caller.ScopeFor(SeeAll) is { } scope)
        {
            filters.Add(n => n.RecipientOrg == scope);
        }

        if (org is not null)
        {
            filters.Add(n => n.RecipientOrg == org);
        }

        if (status is not null)
        {
            if (NotificationStatus.All.Contains(status))
            {
                filters.Add(n => n.Status == status);
            }
            else
            {
                errors.Add("status", $"must be one of: {string.Join(", ", NotificationStatus.All)}");
            }
        }

        if (channel is not null)
        {
            if (Channels.All.Contains(channel))
            {
                filters.Add(n => n.Channel == channel);
            }
            else
            {
                errors.Add("channel", $"must be one of: {string.Join(", ", Channels.All)}");
            }
        }

        if (agreementId is not null)
        {
            // First: LiteDB reads through the index of the first equality, and an agreement's notices are few, while an
            // organisation's (a member's own scope) grow with the log.
            filters.Insert(0, n => n.AgreementId == agreementId);
        }

        if (since is not null)
        {
            if (DateTimeOffset.TryParse(since, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var from))
            {
                from = from.ToUniversalTime();
                filters.Add(n => n.CreatedAt >= from);
            }
            else
            {
                errors.Add("since", "must be an ISO 8601 date or instant, e.g. 2026-11-20 or 2026-11-20T10:00:00Z");
            }
        }

        return filters;
    }

    internal static async Task<Results<Ok<NotificationView>, NotFound>> Get(
        string id, Caller caller, IDocumentStore<Notification> store, IDocumentStore<Digest> digests, CancellationToken cancellationToken)
    {
        if (await store.Find(id, cancellationToken) is not { } notice || !caller.MaySee([notice.RecipientOrg], SeeAll))
        {
            return TypedResults.NotFound();
        }

        var digest = notice.DigestId is null ? null : await digests.Find(notice.DigestId, cancellationToken);
        return TypedResults.Ok(NotificationView.From(notice, digest));
    }

    /// <summary>
    /// Sends a failed (or held) notification's message again, to the organisation's current contacts and endpoints, under
    /// the same Message-ID. Anything else is 409: a pending or sent notice needs no retry.
    /// </summary>
    internal static async Task<Results<Accepted<NotificationView>, NotFound, ProblemHttpResult>> Retry(
        string id, Caller caller, IDocumentStore<Notification> store, IDocumentStore<Digest> digests, IDocumentStore<Organisation> directory,
        DeliveryWorker worker, TimeProvider clock, IOptions<NotifierOptions> options, CancellationToken cancellationToken)
    {
        if (await store.Find(id, cancellationToken) is not { } notice)
        {
            return TypedResults.NotFound();
        }

        var digest = notice.DigestId is null ? null : await digests.Find(notice.DigestId, cancellationToken);
        if (digest is null || digest.Status is not (NotificationStatus.Failed or NotificationStatus.Held))
        {
            return new FieldErrors()
                .Add("status", $"is '{notice.Status}': only a failed or held notification can be retried")
                .ToProblem(StatusCodes.Status409Conflict, "This notification cannot be retried.");
        }

        var members = new List<Notification>();
        foreach (var memberId in digest.NoticeIds)
        {
            if (await store.Find(memberId, cancellationToken) is { } member)
            {
                members.Add(member);
            }
        }

        var now = clock.GetUtcNow();
        // Composed again: the contacts or endpoints that were missing may have been added since.
        var fresh = DigestRules.Compose(digest.Id, digest.RecipientOrg, digest.Channel, await directory.Find(digest.RecipientOrg, cancellationToken), members, options.Value.PublicBaseUrl, now);
        fresh.Version = digest.Version;
        fresh.CreatedAt = digest.CreatedAt;
        fresh.DeliveredTo = digest.DeliveredTo;
        (fresh.RetriedBy, fresh.RetriedAt) = (caller.Actor, now);
        if (!await digests.Replace(fresh, cancellationToken))
        {
            return new FieldErrors().Add("status", "the message changed meanwhile; read it again")
                .ToProblem(StatusCodes.Status409Conflict, "This notification is being changed.");
        }

        await worker.Mirror(fresh, cancellationToken);
        return TypedResults.Accepted($"/api/v1/notifications/{id}", NotificationView.From((await store.Find(id, cancellationToken))!, fresh));
    }

    private static ProblemHttpResult ToProblem(this FieldErrors errors, int status, string title) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary()) { Status = status, Title = title });

    private static Expression<Func<Notification, bool>> AllOf(List<Expression<Func<Notification, bool>>> filters)
    {
        if (filters.Count == 0)
        {
            return n => true;
        }

        // One parameter for all parts, so both the MongoDB and the LiteDB LINQ providers read a plain conjunction.
        var parameter = filters[0].Parameters[0];
        var body = filters.Skip(1).Aggregate(filters[0].Body, (all, next) =>
            Expression.AndAlso(all, new Rebind(next.Parameters[0], parameter).Visit(next.Body)));
        return Expression.Lambda<Func<Notification, bool>>(body, parameter);
    }

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}

/// <summary>A delivery log entry as the API shows it, with the message that carried it.</summary>
public sealed record NotificationView(
    string Id, string Source, string Kind, string RecipientOrg, string Channel, string Audience, string? AgreementId, string? TaskId, string Status,
    DateTimeOffset DueAt, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, string? LastError, MessageView? Message)
{
    public static NotificationView From(Notification n, Digest? d) =>
        new(n.Id, n.Source, n.Kind, n.RecipientOrg, n.Channel, n.Audience, n.AgreementId, n.TaskId, n.Status, n.DueAt, n.CreatedAt, n.SentAt, n.LastError,
            d is null ? null : new MessageView(d.Id, d.MessageId(), d.Subject, d.Addresses, d.Language, d.Status, d.Attempts, d.NoticeIds.Count, d.SentAt, d.RetriedBy, d.RetriedAt));
}

/// <summary>The notices matching a summary's filters, in all and per status.</summary>
public sealed record NotificationSummary(int Total, IReadOnlyDictionary<string, int> ByStatus);

/// <summary>The message (one e-mail or one webhook POST) that carried a notice, with the other notices of its digest.</summary>
public sealed record MessageView(
    string Id, string MessageId, string Subject, IReadOnlyList<string> Addresses, string Language, string Status, int Attempts, int Notices, DateTimeOffset? SentAt,
    string? RetriedBy = null, DateTimeOffset? RetriedAt = null);
