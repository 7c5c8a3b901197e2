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
    /// <summary>
    /// Tasks per page. A page holds the store's gate while it is read, and on LiteDB a read holds it alone, so a manager's
    /// list waits for at most one page (measured against 500 in <c>docs/benchmarks.md</c>).
    /// </summary>
    private const int Batch = 100;

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

    /// <summary>
    /// One pass over the open, unsettled tasks whose deadline is near or past, read from their list keys for any
    /// organisation (<see cref="TaskListKeys.Watch"/>, one range per open status) <see cref="Batch"/> at a time, in due
    /// order on LiteDB (<see cref="IDocumentStore{T}.PassByPrefixes"/>); returns how many notices it stored. Each page holds
    /// the store's gate only while it is read, and reads no task the scan could not act on: before the watch, a page walked
    /// every task due before the horizon, done ones included, to find 500 open ones, and at a million tasks kept every
    /// list waiting for up to minutes.
    /// </summary>
    public async Task<int> ScanOnce(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var settings = options.Value;
        // Calendar days, generously: three working days can span the ten-day Russian New Year holidays.
        var horizon = today.AddDays((settings.DueSoonThresholds.DefaultIfEmpty(0).Max() * 3) + 14);
        var calendars = planning.CalendarsForOnePass();
        var stored = 0;
        var movedOut = 0;
        // The watched tasks due on or before the horizon: a date alone sorts before every key of its day.
        var until = FollowupTask.DayKey(horizon.AddDays(1));
        await foreach (var due in tasks.PassByPrefixes(t => t.ListKeys, TaskListKeys.Watch, t => t.DueKey, null, until, Batch, cancellationToken))
        {
            var owed = new List<FollowupTask>();
            var earlier = new List<FollowupTask>();
            foreach (var task in due)
            {
                if (DeadlineNotices.Apply(task, today, await calendars.Of(task.ResponsibleOrg, cancellationToken), settings, now))
                {
                    task.Settled = DeadlineNotices.Settled(task);
                    owed.Add(task);
                }
                else if (task.Settled)
                {
                    // Settled, yet in the watched ranges: an earlier version stored it so. Written as read, it leaves them.
                    earlier.Add(task);
                }
            }

            // In batches: hundreds of tasks may fall due soon on one morning. A task another writer changed meanwhile is
            // left for the next pass, which reads it as it is now.
            var landed = await tasks.ReplaceInBatches([.. owed, .. earlier], cancellationToken);
            stored += landed.Take(owed.Count).Count(written => written);
            movedOut += landed.Skip(owed.Count).Count(written => written);
        }

        if (movedOut > 0)
        {
            LogMovedOut(movedOut);
        }

        return stored;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote back {Count} settled tasks an earlier version kept among the watched ones")]
    private partial void LogMovedOut(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deadline scan failed; retrying at the next tick")]
    private partial void LogScanFailed(Exception e);
}
