using System.Globalization;
using Followups.Storage;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;

namespace Followups.TaskPlanner.Deadlines;

/// <summary>Re-checks provisional deadlines once the official calendar of their year has been added.</summary>
public static class ProvisionalDeadlines
{
    /// <summary>
    /// When <paramref name="calendar"/> now has an official calendar for the year of a provisional deadline, the deadline
    /// is confirmed: kept if it is a working day under the decree, otherwise moved to the previous working day with the
    /// change recorded. The working days counted up to it are not recounted, so a deadline never moves later than the
    /// holder was told. True when the task changed.
    /// </summary>
    public static bool Confirm(FollowupTask task, WorkingCalendar calendar, DateTimeOffset now)
    {
        if (!task.Provisional || !task.IsOpen || calendar.IsProvisional(task.DueDate.Year))
        {
            return false;
        }

        task.Provisional = false;
        var working = calendar.OnOrBefore(task.DueDate);
        var year = task.DueDate.Year.ToString(CultureInfo.InvariantCulture);
        if (working != task.DueDate)
        {
            task.ChangeDeadline(working, $"the official calendar for {year} makes the deadline a day off", "planner", now);
        }
        else
        {
            task.Record(now, "planner", $"deadline confirmed by the official calendar for {year}");
        }

        return true;
    }
}

/// <summary>
/// At start, confirms the provisional deadlines whose year gained an official calendar: calendars ship inside the
/// binary, so a new calendar always arrives with a restart.
/// </summary>
public sealed partial class ProvisionalDeadlineCheck(
    IDocumentStore<FollowupTask> tasks, PlanningContext planning, TimeProvider clock, ILogger<ProvisionalDeadlineCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await CheckOnce(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogCheckFailed(e);
        }
    }

    /// <summary>One pass; a version conflict leaves the task for the next start, its deadline is still valid meanwhile.</summary>
    public async Task<int> CheckOnce(CancellationToken cancellationToken)
    {
        var changed = 0;
        foreach (var task in await tasks.Query(t => t.Provisional && t.IsOpen, 100_000, cancellationToken: cancellationToken))
        {
            if (ProvisionalDeadlines.Confirm(task, await planning.CalendarOf(task.ResponsibleOrg, cancellationToken), clock.GetUtcNow())
                && await tasks.Replace(task, cancellationToken))
            {
                changed++;
            }
        }

        return changed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking provisional deadlines failed; they are checked again at the next start")]
    private partial void LogCheckFailed(Exception e);
}
