using Followups.Storage;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;
using Microsoft.Extensions.Options;

namespace Followups.TaskPlanner.Deadlines;

/// <summary>
/// Looks for tasks due soon, overdue or to escalate on a timer of <see cref="TimeProvider"/>, and stores each notice
/// with its event in the task's own version-guarded write. Any number of planner instances may run it: the one whose
/// write lands publishes, the others' writes fail the version check and they look again at the next scan.
/// </summary>
public sealed partial class DeadlineScheduler(
    IDocumentStore<FollowupTask> tasks,
    PlanningContext planning,
    IOptions<PlannerOptions> options,
    TimeProvider clock,
    ILogger<DeadlineScheduler> logger) : BackgroundService
{
    private const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ScanInterval, clock);
        do
        {
            try
            {
                await ScanOnce(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Storage may be down for a moment; the next tick tries again, and nothing was half-written.
                LogScanFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass over the open tasks whose deadline is near or past; returns how many notices it stored.</summary>
    public async Task<int> ScanOnce(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var settings = options.Value;
        // Calendar days, generously: three working days can span the ten-day Russian New Year holidays.
        var horizon = today.AddDays((settings.DueSoonThresholds.DefaultIfEmpty(0).Max() * 3) + 14);
        var calendars = new Dictionary<string, WorkingCalendar>(StringComparer.Ordinal);
        var stored = 0;
        var from = DateOnly.MinValue;
        while (true)
        {
            var start = from;
            var due = await tasks.Query(t => t.IsOpen && !t.Settled && t.DueDate >= start && t.DueDate <= horizon, Batch, t => t.DueDate, cancellationToken);
            foreach (var task in due)
            {
                if (!calendars.TryGetValue(task.ResponsibleOrg, out var calendar))
                {
                    calendar = await planning.CalendarOf(task.ResponsibleOrg, cancellationToken);
                    calendars[task.ResponsibleOrg] = calendar;
                }

                if (!DeadlineNotices.Apply(task, today, calendar, settings, now))
                {
                    continue;
                }

                task.Settled = DeadlineNotices.Settled(task);
                if (await tasks.Replace(task, cancellationToken))
                {
                    stored++;
                }
            }

            // Pages by due date; a page of one single date repeats at most once more and then moves on.
            if (due.Count < Batch || due[^1].DueDate == start)
            {
                return stored;
            }

            from = due[^1].DueDate;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deadline scan failed; retrying at the next tick")]
    private partial void LogScanFailed(Exception e);
}
