using System.Globalization;
using Followups.TaskPlanner.Tasks;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.TaskPlanner.Reports;

/// <summary>
/// A task's place in the open-items report as one string: its agreement, its holder, its column and its area,
/// <c>{agreement}|{org}|open|{due date}|{area}</c> (overdue is decided at report time from the date),
/// <c>{agreement}|{org}|done-on-time|{area}</c>, <c>…|done-late|…</c>, <c>…|closed|…</c> (cancelled or off control). Counting
/// the values of this one field and adding them up per grouping is the whole report. Agreement and organisation ids hold
/// no <c>|</c>; the area, which may, comes last.
/// </summary>
public static class TaskTally
{
    private const string Open = "open", OnTime = "done-on-time", Late = "done-late", Closed = "closed";

    public static string Of(FollowupTask task) => $"{task.AgreementId}|{task.ResponsibleOrg}|{Column(task)}|{task.Area}";

    private static string Column(FollowupTask task) =>
        task.IsOpen ? $"{Open}|{task.DueDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"
        : task.Status != TaskStatus.Done ? Closed
        : task.CompletedOn is { } completed && completed <= task.DueDate ? OnTime
        : Late;

    /// <summary>The groups of a tally and what <paramref name="count"/> tasks of it add to their rows; null for a value this did not write.</summary>
    public static (TallyGroups Groups, OpenItemsCounts Counts)? Parse(string value, int count, DateOnly today)
    {
        var org = value.IndexOf('|', StringComparison.Ordinal) + 1;
        var column = org > 0 ? value.IndexOf('|', org) + 1 : 0;
        var rest = column > 0 ? value.IndexOf('|', column) + 1 : 0;
        if (rest == 0)
        {
            return null;
        }

        TallyGroups Groups(int area) => new(value[..(org - 1)], value[org..(column - 1)], value[area..]);
        switch (value[column..(rest - 1)])
        {
            case Open when value.Length - rest >= 11 && value[rest + 10] == '|'
                && DateOnly.TryParseExact(value.AsSpan(rest, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var due):
                return (Groups(rest + 11), new OpenItemsCounts(count, due < today ? count : 0, 0, 0));
            case OnTime:
                return (Groups(rest), new OpenItemsCounts(0, 0, count, count));
            case Late:
                return (Groups(rest), new OpenItemsCounts(0, 0, count, 0));
            case Closed:
                return (Groups(rest), new OpenItemsCounts(0, 0, 0, 0));
            default:
                return null;
        }
    }
}

/// <summary>The groups a task counts in, one per grouping of the report.</summary>
public readonly record struct TallyGroups(string Agreement, string Org, string Area);

/// <summary>What a report row counts.</summary>
public readonly record struct OpenItemsCounts(int Open, int Overdue, int Done, int DoneOnTime)
{
    public static OpenItemsCounts operator +(OpenItemsCounts a, OpenItemsCounts b) =>
        new(a.Open + b.Open, a.Overdue + b.Overdue, a.Done + b.Done, a.DoneOnTime + b.DoneOnTime);
}
