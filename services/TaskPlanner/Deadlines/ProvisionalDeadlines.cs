using System.Globalization;
using Followups.Storage;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;

namespace Followups.TaskPlanner.Deadlines;

/// <summary>Counts provisional deadlines again once the official calendar of their years has been added.</summary>
public static class ProvisionalDeadlines
{
    /// <summary>The actor recorded on deadline changes nobody asked for: the calendar changed, not a person's mind.</summary>
    public const string Actor = "system";

    /// <summary>
    /// Counts a provisional deadline again on <paramref name="calendar"/>: the same working days from the same anchor,
    /// capped by the commitment's due date, so a decreed holiday pushes it later and a decreed working Saturday earlier.
    /// A date a person chose (an approved extension, no <see cref="FollowupTask.Count"/>) only moves off a day off. The
    /// deadline never moves earlier than the next working day after <paramref name="today"/> (one already closer stays
    /// put): nobody is made late by a decree. The task stays provisional while a year it spans still has no decree, and
    /// <see cref="FollowupTask.ProvisionalYear"/> moves on to that year. True when the task changed; a second call on the
    /// same calendar changes nothing.
    /// </summary>
    public static bool Recompute(FollowupTask task, WorkingCalendar calendar, DateOnly today, DateTimeOffset now)
    {
        if (!task.Provisional || !task.IsOpen)
        {
            return false;
        }

        DateOnly due;
        int? provisionalYear;
        var capped = false;
        if (task.Count is { WorkingDays: > 0 } count)
        {
            due = calendar.AddWorkingDays(count.From, count.WorkingDays);
            if (count.Cap is { } cap && calendar.OnOrBefore(cap) is var last && last < due)
            {
                (due, capped) = (last, true);
            }

            provisionalYear = calendar.FirstProvisionalYear(count.From, due);
        }
        else
        {
            due = calendar.OnOrBefore(task.DueDate);
            provisionalYear = calendar.FirstProvisionalYear(due, due);
        }

        var earliest = Min(task.DueDate, calendar.AddWorkingDays(today, 1));
        due = due < earliest ? earliest : due;
        if (due == task.DueDate && provisionalYear is not null)
        {
            // The same date, still provisional: only the year the count waits for may be new (or kept for the first time
            // on a task stored before it was), which nobody reading the task sees, so no history entry.
            var moved = provisionalYear != task.ProvisionalYear;
            task.ProvisionalYear = provisionalYear;
            return moved;
        }

        task.CountedOn(provisionalYear);
        task.Compressed |= capped;
        var years = Years(task.Count?.From ?? due, due);
        if (due != task.DueDate)
        {
            var how = task.Count is { } counted
                ? $"{counted.WorkingDays} working days from {counted.From:yyyy-MM-dd} counted again on the official calendar for {years}"
                : $"the official calendar for {years} makes the deadline a day off";
            task.ChangeDeadline(due, how, Actor, now);
        }
        else
        {
            task.Record(now, Actor, $"deadline confirmed by the official calendar for {years}");
        }

        return true;
    }

    private static string Years(DateOnly from, DateOnly to) =>
        from.Year == to.Year
            ? from.Year.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Min(from.Year, to.Year)}–{Math.Max(from.Year, to.Year)}");

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
}

/// <summary>
/// At start, counts again the provisional deadlines whose years gained an official calendar: calendars are read at
/// start (embedded, or from <c>Planner:CalendarDirectory</c>), so a new calendar always arrives with a restart. It reads
/// the open provisional tasks whose first year without a calendar (<see cref="FollowupTask.RecountKey"/>) is at most the
/// latest year any calendar now has: a task waiting for a later year has nothing new to be counted on. Every start looks,
/// so a task planned by an instance still running on older calendars is counted at the next start that has the new ones.
/// </summary>
public sealed partial class ProvisionalDeadlineCheck(
    IDocumentStore<FollowupTask> tasks,
    PlanningContext planning,
    TaskDocumentUpgrade upgrade,
    TimeProvider clock,
    ILogger<ProvisionalDeadlineCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Tasks an earlier version stored have no recount key until the upgrade writes them back: on the first start
            // of this version that is every task, and the range below would find none of them.
            await upgrade.FirstLook.WaitAsync(stoppingToken);
            if (await CheckOnce(stoppingToken) is > 0 and var changed)
            {
                LogCounted(changed);
            }
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogCheckFailed(e);
        }
    }

    private const int Batch = 500;

    /// <summary>
    /// One pass over those tasks, a page at a time in key order, the changes written a hundred tasks per commit (each
    /// version-guarded on its own): when a year's calendar arrives, most open tasks may wait for it. A task another
    /// writer changed meanwhile is read again and counted on its new state, so several planner instances starting
    /// together record each change once.
    /// </summary>
    public async Task<int> CheckOnce(CancellationToken cancellationToken)
    {
        var until = FollowupTask.RecountKeysBefore(planning.Calendars.LatestOfficialYear ?? 0);
        var calendars = planning.CalendarsForOnePass();
        var changed = 0;
        string? after = null;
        IReadOnlyList<FollowupTask> page;
        do
        {
            page = await tasks.PageByRange(t => t.RecountKey, after, until, t => true, Batch, cancellationToken);
            var counted = new List<FollowupTask>();
            foreach (var task in page)
            {
                after = task.RecountKey;
                if (await Recount(task))
                {
                    counted.Add(task);
                }
            }

            var landed = await tasks.ReplaceInBatches(counted, cancellationToken);
            for (var i = 0; i < counted.Count; i++)
            {
                if (landed[i])
                {
                    changed++;
                    continue;
                }

                // Another writer changed it: read it again, and its holder's calendar too (it may have moved).
                calendars.Forget(counted[i].ResponsibleOrg);
                for (var task = await tasks.Find(counted[i].Id, cancellationToken); task is not null && await Recount(task); task = await tasks.Find(task.Id, cancellationToken))
                {
                    if (await tasks.Replace(task, cancellationToken))
                    {
                        changed++;
                        break;
                    }
                }
            }
        }
        while (page.Count == Batch);

        return changed;

        async Task<bool> Recount(FollowupTask task)
        {
            var calendar = await calendars.Of(task.ResponsibleOrg, cancellationToken);
            var now = clock.GetUtcNow();
            return ProvisionalDeadlines.Recompute(task, calendar, DateOnly.FromDateTime(now.UtcDateTime), now);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Counted {Count} provisional deadlines again on the calendars loaded")]
    private partial void LogCounted(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting provisional deadlines again failed; they are counted at the next start")]
    private partial void LogCheckFailed(Exception e);
}
