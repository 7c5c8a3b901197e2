using Followups.ServiceDefaults;
using Followups.ServiceDefaults.Security;
using Followups.Storage;
using Followups.TaskPlanner.Tasks;

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
    /// The report's groups, counted by the store: one count per value of the tasks' tally (<see cref="TaskTally"/>), which on
    /// LiteDB is a walk of that field's index alone, and no task read into the service however many there are; the counts
    /// are then added up per group of the grouping. Open means still chased (not done, cancelled or off control); overdue
    /// is open past its current deadline; done on time compares completion with the deadline in force, extensions
    /// included. Every group with a task has a row, all zeros if need be. A task stored by an earlier version counts once
    /// the start-up upgrade has written its tally.
    /// </summary>
    public static async Task<IReadOnlyList<OpenItemsRow>> Count(IDocumentStore<FollowupTask> store, string groupBy, DateOnly today, CancellationToken cancellationToken)
    {
        Func<TallyGroups, string> group = groupBy switch
        {
            "area" => g => g.Area,
            "agreement" => g => g.Agreement,
            _ => g => g.Org,
        };
        var rows = new Dictionary<string, OpenItemsCounts>(StringComparer.Ordinal);
        await store.CountBy(t => true, t => t.Tally, (value, count) =>
        {
            if (TaskTally.Parse(value, count, today) is var (groups, counts))
            {
                var key = group(groups);
                rows[key] = rows.GetValueOrDefault(key) + counts;
            }
        }, cancellationToken);

        return rows.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => Row(r.Key, r.Value.Open, r.Value.Overdue, r.Value.Done, r.Value.DoneOnTime)).ToList();
    }

    private static OpenItemsRow Row(string key, int open, int overdue, int done, int onTime) =>
        new(key, open, overdue, done, onTime, done == 0 ? null : Math.Round((double)onTime / done, 4));
}
