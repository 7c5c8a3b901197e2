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
    /// <summary>The report reads every task; beyond this many it needs the stores' aggregation, not a scan.</summary>
    public const int MaxTasks = 100_000;

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

        var tasks = await store.Query(t => true, MaxTasks, cancellationToken: cancellationToken);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        return TypedResults.Ok(new Page<OpenItemsRow>(Build(tasks, groupBy, today)));
    }

    /// <summary>
    /// Groups <paramref name="tasks"/>. Open means still chased (not done, cancelled or off control); overdue is open
    /// past its current deadline; done on time compares completion with the deadline in force, extensions included.
    /// </summary>
    public static IReadOnlyList<OpenItemsRow> Build(IEnumerable<FollowupTask> tasks, string groupBy, DateOnly today) =>
        tasks
            .GroupBy(t => groupBy switch
            {
                "area" => t.Area,
                "agreement" => t.AgreementId,
                _ => t.ResponsibleOrg,
            })
            .Select(g =>
            {
                var done = g.Where(t => t.Status == TaskStatus.Done).ToList();
                var onTime = done.Count(t => t.CompletedOn <= t.DueDate);
                return new OpenItemsRow(
                    g.Key,
                    g.Count(t => t.IsOpen),
                    g.Count(t => t.IsOpen && t.DueDate < today),
                    done.Count,
                    onTime,
                    done.Count == 0 ? null : Math.Round((double)onTime / done.Count, 4));
            })
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .ToList();
}
