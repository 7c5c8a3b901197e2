using System.Globalization;
using Followups.TaskPlanner.Tasks;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.TaskPlanner.Reports;

/// <summary>
/// A task's place in the open-items report as one string: its column, then its group. <c>open|{due date}|{group}</c>
/// (overdue is decided at report time from the date), <c>done-on-time|{group}</c>, <c>done-late|{group}</c>,
/// <c>closed|{group}</c> (cancelled or off control). Counting the values of one such field per grouping is the whole report.
/// </summary>
public static class TaskTally
{
    private const string Open = "open", OnTime = "done-on-time", Late = "done-late", Closed = "closed";

    public static string Of(FollowupTask task, string group) =>
        task.IsOpen ? $"{Open}|{task.DueDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}|{group}"
        : task.Status != TaskStatus.Done ? $"{Closed}|{group}"
        : task.CompletedOn is { } completed && completed <= task.DueDate ? $"{OnTime}|{group}"
        : $"{Late}|{group}";

    /// <summary>The group and what <paramref name="count"/> tasks of it add to its row; null for a value this did not write.</summary>
    public static (string Group, OpenItemsCounts Counts)? Parse(string value, int count, DateOnly today)
    {
        var column = value.IndexOf('|', StringComparison.Ordinal);
        if (column < 0)
        {
            return null;
        }

        var rest = value[(column + 1)..];
        switch (value[..column])
        {
            case Open when rest.Length > 11 && rest[10] == '|'
                && DateOnly.TryParseExact(rest.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var due):
                return (rest[11..], new OpenItemsCounts(count, due < today ? count : 0, 0, 0));
            case OnTime:
                return (rest, new OpenItemsCounts(0, 0, count, count));
            case Late:
                return (rest, new OpenItemsCounts(0, 0, count, 0));
            case Closed:
                return (rest, new OpenItemsCounts(0, 0, 0, 0));
            default:
                return null;
        }
    }
}

/// <summary>What a report row counts.</summary>
public readonly record struct OpenItemsCounts(int Open, int Overdue, int Done, int DoneOnTime)
{
    public static OpenItemsCounts operator +(OpenItemsCounts a, OpenItemsCounts b) =>
        new(a.Open + b.Open, a.Overdue + b.Overdue, a.Done + b.Done, a.DoneOnTime + b.DoneOnTime);
}
