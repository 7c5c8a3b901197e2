using System.Buffers.Text;
using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Followups.ServiceDefaults;

namespace Followups.TaskPlanner.Tasks;

/// <summary>A managers' task query, parsed and checked from the query string; each bad parameter is named.</summary>
public sealed record TaskQuery(
    string? Org, TaskStatus? Status, string? Area, string? AgreementId, bool Overdue, DateOnly? DueBefore, DateOnly? DueAfter, int Limit, string? After)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 200;

    /// <summary>Parses the query string; <paramref name="errors"/> names every parameter that is wrong and why.</summary>
    public static TaskQuery Parse(IQueryCollection query, FieldErrors errors, int maxLimit = MaxLimit)
    {
        TaskStatus? status = null;
        if (Text(query, "status") is { } s)
        {
            status = Enum.GetValues<TaskStatus>().Cast<TaskStatus?>().FirstOrDefault(v => TaskLifecycle.Name(v!.Value) == s);
            if (status is null)
            {
                errors.Add("status", $"must be one of {string.Join(", ", Enum.GetValues<TaskStatus>().Select(TaskLifecycle.Name))}");
            }
        }

        var overdue = false;
        if (Text(query, "overdue") is { } o && !bool.TryParse(o, out overdue))
        {
            errors.Add("overdue", "must be true or false");
        }

        var limit = DefaultLimit;
        if (Text(query, "limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            errors.Add("limit", $"must be a whole number from 1 (at most {maxLimit} are returned)");
        }

        string? after = null;
        if (Text(query, "cursor") is { } c && !TryDecodeCursor(c, out after))
        {
            errors.Add("cursor", "is not a cursor this API returned");
        }

        var before = Date(query, "dueBefore", errors);
        var dueAfter = Date(query, "dueAfter", errors);
        if (before is not null && dueAfter is not null && dueAfter > before)
        {
            errors.Add("dueAfter", "must not be later than dueBefore");
        }

        return new TaskQuery(Text(query, "org"), status, Text(query, "area"), Text(query, "agreementId"), overdue, before, dueAfter, Math.Min(limit, maxLimit), after);
    }

    /// <summary>The store filter of this query; <paramref name="today"/> decides what is overdue.</summary>
    public Expression<Func<FollowupTask, bool>> Filter(DateOnly today)
    {
        // The most selective terms first: LiteDB seeks the index of the first among equally cheap terms.
        Expression<Func<FollowupTask, bool>> filter = t => true;
        if (AgreementId is { } agreementId)
        {
            filter = And(filter, t => t.AgreementId == agreementId);
        }

        if (Org is { } org)
        {
            // The issue's "responsible or co-executor": the holder, or a co-executor of the task's commitment.
            filter = And(filter, t => t.Organisations.Contains(org));
        }

        if (Area is { } area)
        {
            filter = And(filter, t => t.Area == area);
        }

        if (Status is { } status)
        {
            var state = TaskLifecycle.Name(status);
            filter = And(filter, t => t.State == state);
        }

        if (Overdue)
        {
            filter = And(filter, t => t.IsOpen && t.DueDate < today);
        }

        if (DueBefore is { } before)
        {
            filter = And(filter, t => t.DueDate <= before);
        }

        if (DueAfter is { } after)
        {
            filter = And(filter, t => t.DueDate >= after);
        }

        return filter;
    }

    /// <summary>
    /// Where the page starts in the list's order: after the cursor, and not before <see cref="DueAfter"/> ("yyyy-MM-dd"
    /// sorts before every due key of that day).
    /// </summary>
    public string? Start =>
        DueAfter is { } from && (After is null || string.CompareOrdinal(FollowupTask.DayKey(from), After) > 0) ? FollowupTask.DayKey(from) : After;

    /// <summary>
    /// The index ranges this query's page is read from: the prefixes of <see cref="FollowupTask.ListKeys"/> for its shape
    /// (one for a status, or two; the open statuses for overdue; every status for all tasks, of an organisation or of any)
    /// and the due keys they span (from <see cref="Start"/>; up to <see cref="DueBefore"/> and, when overdue, to before
    /// today). The rest of <see cref="Filter"/> only checks what the ranges find. Null when the query names an agreement:
    /// its few tasks are found through the agreement's index.
    /// </summary>
    public ListRange? Range(DateOnly today)
    {
        if (AgreementId is not null)
        {
            return null;
        }

        var org = Org ?? "";
        var prefixes = Status is { } status ? TaskListKeys.Status(org, status)
            : Overdue ? TaskListKeys.Open(org)
            : TaskListKeys.All(org);
        // The bound is inclusive and a date alone sorts before every key of its day: the next day ends "due on or before".
        var until = DueBefore is { } before && before < DateOnly.MaxValue ? FollowupTask.DayKey(before.AddDays(1)) : null;
        if (Overdue && (until is null || string.CompareOrdinal(FollowupTask.DayKey(today), until) < 0))
        {
            until = FollowupTask.DayKey(today);
        }

        return new ListRange(prefixes, Start, until);
    }

    /// <summary>
    /// The cursor after <paramref name="last"/>: its place in the list's order (due date, then id), opaque to clients.
    /// The next page starts right after that place, so tasks added or closed meanwhile neither shift nor repeat the rest;
    /// a task whose deadline moves across it meanwhile shows where its new deadline puts it.
    /// </summary>
    public static string CursorAfter(FollowupTask last) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(last.DueKey));

    private static bool TryDecodeCursor(string cursor, out string? after)
    {
        after = null;
        if (cursor.Length > 400)
        {
            return false;
        }

        try
        {
            // "yyyy-MM-dd/{id}", as FollowupTask.DueKey.
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var separator = text.IndexOf('/', StringComparison.Ordinal);
            if (separator != 10 || !DateOnly.TryParseExact(text.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                return false;
            }

            after = text;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string? Text(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Trim() : null;

    private static DateOnly? Date(IQueryCollection query, string name, FieldErrors errors)
    {
        if (Text(query, name) is not { } text)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors.Add(name, "must be a date as yyyy-MM-dd");
        return null;
    }

    // One parameter for the combined filter: both stores translate a single lambda, not an invocation of another.
    private static Expression<Func<FollowupTask, bool>> And(Expression<Func<FollowupTask, bool>> left, Expression<Func<FollowupTask, bool>> right)
    {
        var body = new Rebind(right.Parameters[0], left.Parameters[0]).Visit(right.Body);
        return left.Body is ConstantExpression { Value: true }
            ? Expression.Lambda<Func<FollowupTask, bool>>(body, left.Parameters)
            : Expression.Lambda<Func<FollowupTask, bool>>(Expression.AndAlso(left.Body, body), left.Parameters);
    }

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}

/// <summary>Due keys under each of <see cref="Prefixes"/> after <see cref="After"/> and up to <see cref="Until"/> (null: unbounded).</summary>
public sealed record ListRange(IReadOnlyList<string> Prefixes, string? After, string? Until)
{
    // Compared by the prefixes' contents, not by the list's reference.
    public bool Equals(ListRange? other) =>
        other is not null && After == other.After && Until == other.Until && Prefixes.SequenceEqual(other.Prefixes);

    public override int GetHashCode() => HashCode.Combine(Prefixes.Count, After, Until);
}
