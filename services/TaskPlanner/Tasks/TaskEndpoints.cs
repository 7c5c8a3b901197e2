using Followups.ServiceDefaults;
using Followups.Storage;
using Followups.TaskPlanner.Planning;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Followups.TaskPlanner.Tasks;

/// <summary>HTTP API of tasks.</summary>
public static class TaskEndpoints
{
    public static void MapTasks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/tasks").WithTags("Tasks");
        group.MapGet("/", List);
        group.MapGet("/{id}", Get);
    }

    internal static async Task<Ok<Page<TaskView>>> List(
        IDocumentStore<FollowupTask> store, string? org, string? agreementId, int? limit, CancellationToken cancellationToken)
    {
        var max = Paging.Limit(limit);
        var items = (org, agreementId) switch
        {
            (null, null) => await store.Query(t => true, max, t => t.DueDate, cancellationToken),
            (_, null) => await store.Query(t => t.ResponsibleOrg == org, max, t => t.DueDate, cancellationToken),
            (null, _) => await store.Query(t => t.AgreementId == agreementId, max, t => t.DueDate, cancellationToken),
            _ => await store.Query(t => t.ResponsibleOrg == org && t.AgreementId == agreementId, max, t => t.DueDate, cancellationToken),
        };
        return TypedResults.Ok(new Page<TaskView>(items.Select(TaskView.From).ToList()));
    }

    internal static async Task<Results<Ok<TaskView>, NotFound>> Get(string id, IDocumentStore<FollowupTask> store, CancellationToken cancellationToken) =>
        await store.Find(id, cancellationToken) is { } task ? TypedResults.Ok(TaskView.From(task)) : TypedResults.NotFound();
}

/// <summary>A task as the API shows it.</summary>
public sealed record TaskView(
    string Id, string AgreementId, string CommitmentKey, string Title, string Area, string ResponsibleOrg, TaskRole Role,
    DateOnly OriginalDueDate, DateOnly DueDate, TaskStatus Status, DateTimeOffset CreatedAt)
{
    public static TaskView From(FollowupTask t) =>
        new(t.Id, t.AgreementId, t.CommitmentKey, t.Title, t.Area, t.ResponsibleOrg, t.Role, t.OriginalDueDate, t.DueDate, t.Status, t.CreatedAt);
}
