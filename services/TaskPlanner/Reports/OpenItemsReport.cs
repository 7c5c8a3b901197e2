using System.Linq.Expressions;
using Followups.ServiceDefaults;
using Followups.ServiceDefaults.Security;
using Followups.Storage;
using Followups.TaskPlanner.Tasks;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.TaskPlanner.Reports;

/// <summary>One group of the open-items report. <see cref="DoneOnTimeShare"/> is absent while nothing is done.</summary>
public sealed record OpenItemsRow(string Key, int Open, int Overdue, int Done, int DoneOnTime, double? DoneOnTimeShare);

/// <summary>The open-items report: what is open, late and done per organisation, area or agreement.</summary>
public static class OpenItemsReport
{
    private static readonly string[] Groupings = ["org", "area", "agreement"];

    public static void MapReports(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/v1/reports").WithTags("Reports").MapGet("/open-items", Get).Allow(Roles.Secretariat, Roles.Manager);

    internal static async Task<IResult> Get(string? groupBy, IDocumentStore<FollowupTask> store, TimeProvider clock, CancellationToken cancellationToken)
    {
        groupBy ??= "org";
        if (!Groupings.Contains(groupBy))
        {
            return new FieldErrors().Add("groupBy", $"must be one of {string.Join(", ", Groupings)}").ToBadRequest();
        }

        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        return TypedResults.Ok(new Page<OpenItemsRow>(await Count(store, groupBy, today, cancellationToken)));
    }

    /// <summary>
    /// The report's groups, counted by the store: one aggregation per column, each on an indexed field, and no task
    /// read into the service however many there are. Open means still chased (not done, cancelled or off control);
    /// overdue is open past its current deadline; done on time compares completion with the deadline in force,
    /// extensions included. Every group with a task has a row, all zeros if need be.
    /// </summary>
    public static async Task<IReadOnlyList<OpenItemsRow>> Count(IDocumentStore<FollowupTask> store, string groupBy, DateOnly today, CancellationToken cancellationToken)
    {
        Expression<Func<FollowupTask, string>> key = groupBy switch
        {
            "area" => t => t.Area,
            "agreement" => t => t.AgreementId,
            _ => t => t.ResponsibleOrg,
        };
        var done = TaskLifecycle.Name(TaskStatus.Done);
        // Side by side: MongoDB runs them at once; LiteDB takes them one after the other anyway.
        var counts = await Task.WhenAll(
            store.CountBy(t => true, key, cancellationToken),
            store.CountBy(t => t.IsOpen, key, cancellationToken),
            store.CountBy(t => t.IsOpen && t.DueDate < today, key, cancellationToken),
            store.CountBy(t => t.State == done, key, cancellationToken),
            store.CountBy(t => t.State == done && t.CompletedOn <= t.DueDate, key, cancellationToken));
        var (groups, open, overdue, completed, onTime) = (counts[0], counts[1], counts[2], counts[3], counts[4]);
        return groups.Keys
            .Order(StringComparer.Ordinal)
            .Select(g => Row(g, open.GetValueOrDefault(g), overdue.GetValueOrDefault(g), completed.GetValueOrDefault(g), onTime.GetValueOrDefault(g)))
            .ToList();
    }

    private static OpenItemsRow Row(string key, int open, int overdue, int done, int onTime) =>
        new(key, open, overdue, done, onTime, done == 0 ? null : Math.Round((double)onTime / done, 4));
}
