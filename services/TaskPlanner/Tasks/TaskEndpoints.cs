using Followups.ServiceDefaults;
using Followups.ServiceDefaults.Security;
using Followups.Storage;
using Followups.TaskPlanner.Planning;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Followups.TaskPlanner.Tasks;

/// <summary>A page of tasks; <see cref="Next"/> is the cursor of the following page, absent on the last.</summary>
public sealed record TaskPage(IReadOnlyList<TaskView> Items, string? Next);

/// <summary>HTTP API of tasks.</summary>
public static class TaskEndpoints
{
    public static void MapTasks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/tasks").WithTags("Tasks");
        group.MapGet("/", List).Allow(TaskAccess.Readers);
        group.MapGet("/{id}", Get).Allow(TaskAccess.Readers);
        group.MapTaskActions();
        group.MapTaskExports();
    }

    internal static async Task<IResult> List(HttpRequest request, Caller caller, IDocumentStore<FollowupTask> store, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var query = TaskQuery.Parse(request.Query, errors).Within(caller);
        if (errors.Any)
        {
            return errors.ToBadRequest();
        }

        var (items, next) = await Run(store, query, clock, cancellationToken);
        return TypedResults.Ok(new TaskPage(items.Select(TaskView.From).ToList(), next));
    }

    /// <summary>
    /// One page of a query in the list's order, due date then id, from the query's cursor; with the cursor of the next
    /// page when there is one. The page is read from ranges of the <see cref="FollowupTask.ListKeys"/> index, merged (for
    /// an agreement's tasks, from the agreement's index), in order up to the page, so a page deep in the list costs what
    /// the first does.
    /// </summary>
    internal static async Task<(IReadOnlyList<FollowupTask> Items, string? Next)> Run(
        IDocumentStore<FollowupTask> store, TaskQuery query, TimeProvider clock, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var filter = query.Filter(today);
        var found = query.Range(today) switch
        {
            { } range => await store.PageByPrefixes(t => t.ListKeys, range.Prefixes, t => t.DueKey, range.After, range.Until, filter, query.Limit + 1, cancellationToken),
            null => await store.Page(filter, t => t.DueKey, query.Start, query.Limit + 1, cancellationToken),
        };
        var page = found.Take(query.Limit).ToList();
        return (page, found.Count > query.Limit ? TaskQuery.CursorAfter(page[^1]) : null);
    }

    internal static async Task<Results<Ok<TaskView>, ProblemHttpResult>> Get(string id, Caller caller, IDocumentStore<FollowupTask> store, CancellationToken cancellationToken) =>
        await store.Find(id, cancellationToken) is { } task && caller.MaySee(task)
            ? TypedResults.Ok(TaskView.From(task))
            : TypedResults.Problem(title: $"Task {id} does not exist.", statusCode: StatusCodes.Status404NotFound);
}

/// <summary>A task as the API shows it.</summary>
public sealed record TaskView(
    string Id, string AgreementId, string CommitmentKey, string StepKey, string Title, string Area, string ResponsibleOrg, TaskRole Role,
    string? Controller, DateOnly OriginalDueDate, DateOnly DueDate, TaskStatus Status, bool Provisional, bool Compressed, bool OffControl,
    int Percent, string? Report, DateOnly? CompletedOn, IReadOnlyList<string> WaitingFor, ExtensionRequest? PendingExtension,
    IReadOnlyList<ProgressReport> Progress, IReadOnlyList<DeadlineChange> DeadlineChanges, IReadOnlyList<HistoryEntry> History,
    DateTimeOffset CreatedAt, IReadOnlyList<string> CoExecutors)
{
    public static TaskView From(FollowupTask t) =>
        new(t.Id, t.AgreementId, t.CommitmentKey, t.StepKey, t.Title, t.Area, t.ResponsibleOrg, t.Role, t.Controller, t.OriginalDueDate,
            t.DueDate, t.Status, t.Provisional, t.Compressed, t.OffControl, t.Percent, t.Report, t.CompletedOn, t.WaitingFor,
            t.PendingExtension, t.Progress, t.DeadlineChanges, t.History, t.CreatedAt, t.CoExecutors);
}
