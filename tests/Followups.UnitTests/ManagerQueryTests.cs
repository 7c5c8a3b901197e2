using Followups.ServiceDefaults;
using Followups.TaskPlanner.Reports;
using Followups.TaskPlanner.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.UnitTests;

public sealed class ManagerQueryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 12, 14);

    private static (TaskQuery Query, Dictionary<string, string[]> Errors) Parse(string query)
    {
        var errors = new FieldErrors();
        var parsed = TaskQuery.Parse(new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query)), errors);
        return (parsed, errors.ToDictionary());
    }

    internal static FollowupTask Task(string org, string area, TaskStatus status, DateOnly due, DateOnly? completed = null)
    {
        var task = TaskLifecycleTests.NewTask(status);
        (task.ResponsibleOrg, task.Area, task.DueDate, task.CompletedOn) = (org, area, due, completed);
        return task;
    }

    [Fact]
    public void Each_bad_query_parameter_is_named_with_its_reason()
    {
        var (_, errors) = Parse("status=lost&overdue=maybe&dueBefore=2026-13-01&dueAfter=tomorrow&limit=-3&cursor=%%%");

        Assert.Equal(["cursor", "dueAfter", "dueBefore", "limit", "overdue", "status"], errors.Keys.Order());
        Assert.Contains("inProgress", errors["status"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_good_query_parses_and_the_page_size_is_capped_at_200()
    {
        var (query, errors) = Parse("org=maz&status=inProgress&area=peat&agreementId=a1&overdue=true&dueAfter=2026-12-01&dueBefore=2026-12-31&limit=5000");

        Assert.Empty(errors);
        Assert.Equal(new TaskQuery("maz", TaskStatus.InProgress, "peat", "a1", true, new DateOnly(2026, 12, 31), new DateOnly(2026, 12, 1), 200, null), query);
    }

    [Fact]
    public void A_cursor_is_the_place_after_a_task_in_due_date_then_id_order()
    {
        var task = Task("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        var cursor = TaskQuery.CursorAfter(task);

        Assert.Equal($"2026-12-10/{task.Id}", Parse("cursor=" + cursor).Query.After);
        Assert.DoesNotContain(task.Id, cursor, StringComparison.Ordinal);
        // Anything else is refused, an old offset cursor included.
        Assert.Contains("cursor", Parse("cursor=" + Convert.ToBase64String("o:400"u8)).Errors.Keys);
        Assert.Contains("cursor", Parse("cursor=bm90LWEta2V5").Errors.Keys);
    }

    [Fact]
    public void The_query_filter_selects_what_managers_ask_for()
    {
        var tasks = new[]
        {
            Task("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10)),
            Task("maz", "transport", TaskStatus.Done, new DateOnly(2026, 12, 10), new DateOnly(2026, 12, 9)),
            Task("mtz", "agriculture", TaskStatus.InProgress, new DateOnly(2026, 12, 20)),
        };
        tasks[1].IsOpen = false;

        var overdue = Parse("overdue=true").Query.Filter(Today).Compile();
        var maz = Parse("org=maz&status=done").Query.Filter(Today).Compile();
        var window = Parse("dueAfter=2026-12-15&dueBefore=2026-12-31").Query.Filter(Today).Compile();

        Assert.Equal([tasks[0]], tasks.Where(overdue));
        Assert.Equal([tasks[1]], tasks.Where(maz));
        Assert.Equal([tasks[2]], tasks.Where(window));
    }

    [Fact]
    public void Each_list_shape_reads_the_ranges_of_its_statuses()
    {
        ListRange? Range(string query) => Parse(query).Query.Range(Today);
        string[] open = ["planned", "assigned", "accepted", "inProgress"];
        // A status an open task can have has a second range: its tasks taken off control, no longer open. For any
        // organisation its settled open tasks are a third, apart from those the deadline scan watches.
        string[] OnControl(string org, string s) => org.Length > 0 ? [$"state|{org}|{s}|"] : [$"state||{s}|", $"settled|{s}|"];
        List<string> EveryStatus(string org) =>
            open.SelectMany(s => OnControl(org, s).Append($"off|{org}|{s}|")).Concat([$"state|{org}|done|", $"state|{org}|cancelled|"]).ToList();
        var everyStatus = EveryStatus("maz");

        Assert.Equal(new ListRange(everyStatus, null, null), Range("org=maz"));
        Assert.Equal(new ListRange(["state|maz|assigned|", "off|maz|assigned|"], null, null), Range("org=maz&status=assigned&area=peat"));
        Assert.Equal(new ListRange(["state||done|"], null, null), Range("status=done"));
        Assert.Equal(new ListRange(["state||assigned|", "settled|assigned|", "off||assigned|"], null, null), Range("status=assigned"));
        Assert.Equal(new ListRange(open.SelectMany(s => OnControl("", s)).ToList(), null, "2026-12-14"), Range("overdue=true"));
        Assert.Equal(new ListRange(open.Select(s => $"state|maz|{s}|").ToList(), null, "2026-12-14"), Range("org=maz&overdue=true&dueBefore=2027-01-31"));
        Assert.Equal(new ListRange(open.Select(s => $"state|maz|{s}|").ToList(), null, "2026-12-11"), Range("org=maz&overdue=true&dueBefore=2026-12-10"));
        // Every task of any organisation: the ranges of every status under the empty organisation.
        Assert.Equal(new ListRange(EveryStatus(""), "2026-12-15", "2027-01-01"), Range("dueAfter=2026-12-15&dueBefore=2026-12-31"));
        Assert.Equal(new ListRange(EveryStatus(""), null, null), Range("dueBefore=9999-12-31"));
        Assert.Equal(new ListRange(EveryStatus(""), null, null), Range("area=peat"));
        Assert.Equal(new ListRange(EveryStatus(""), null, null), Range(""));
        // An agreement's few tasks are found through its own index.
        Assert.Null(Range("agreementId=a1&org=maz"));
    }

    [Fact]
    public void A_page_starts_after_the_cursor_or_at_due_after_whichever_is_later()
    {
        var task = Task("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        var cursor = TaskQuery.CursorAfter(task);

        Assert.Equal(task.DueKey, Parse($"dueAfter=2026-12-01&cursor={cursor}").Query.Start);
        Assert.Equal("2026-12-11", Parse($"dueAfter=2026-12-11&cursor={cursor}").Query.Start);
        Assert.Equal("2026-12-11", Parse("dueAfter=2026-12-11").Query.Range(Today)!.After);
    }

    [Fact]
    public void A_task_is_listed_under_its_status_once_for_any_organisation_and_once_for_each_of_its_own_and_apart_when_off_control()
    {
        var task = Task("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        task.CoExecutors = ["mtz", "maz"];
        var due = task.DueKey;

        Assert.Equal(["state||assigned|" + due, "state|maz|assigned|" + due, "state|mtz|assigned|" + due], task.ListKeys);
        task.Settled = true;
        Assert.Equal(["settled|assigned|" + due, "state|maz|assigned|" + due, "state|mtz|assigned|" + due], task.ListKeys);

        var offControl = Task("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        TaskLifecycle.TakeOffControl(offControl, "closed by the talks", "secretariat", Now);
        Assert.Equal(["off||assigned|" + offControl.DueKey, "off|maz|assigned|" + offControl.DueKey], offControl.ListKeys);

        TaskLifecycle.Cancel(task, "no longer needed", "secretariat", Now);
        Assert.Equal(["state||cancelled|" + due, "state|maz|cancelled|" + due, "state|mtz|cancelled|" + due], task.ListKeys);
    }

    [Fact]
    public void The_report_tally_names_the_agreement_holder_column_and_area_and_reads_back()
    {
        var open = Task("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        var onTime = Task("maz", "peat", TaskStatus.Done, new DateOnly(2026, 12, 10), new DateOnly(2026, 12, 10));
        var late = Task("mtz", "peat", TaskStatus.Done, new DateOnly(2026, 12, 10), new DateOnly(2026, 12, 11));
        var cancelled = Task("mtz", "peat|waste", TaskStatus.Cancelled, new DateOnly(2026, 12, 10));
        foreach (var (task, agreement) in new[] { (open, "a1"), (onTime, "a1"), (late, "a2"), (cancelled, "a2") })
        {
            task.AgreementId = agreement;
        }

        Assert.Equal("a1|maz|open|2026-12-10|transport", open.Tally);
        Assert.Equal("a1|maz|done-on-time|peat", onTime.Tally);
        Assert.Equal("a2|mtz|done-late|peat", late.Tally);
        Assert.Equal("a2|mtz|closed|peat|waste", cancelled.Tally);
        Assert.Equal((new TallyGroups("a1", "maz", "transport"), new OpenItemsCounts(3, 3, 0, 0)), TaskTally.Parse(open.Tally, 3, Today));
        Assert.Equal((new TallyGroups("a1", "maz", "transport"), new OpenItemsCounts(3, 0, 0, 0)), TaskTally.Parse(open.Tally, 3, new DateOnly(2026, 12, 10)));
        Assert.Equal((new TallyGroups("a1", "maz", "peat"), new OpenItemsCounts(0, 0, 2, 2)), TaskTally.Parse(onTime.Tally, 2, Today));
        Assert.Equal((new TallyGroups("a2", "mtz", "peat"), new OpenItemsCounts(0, 0, 1, 0)), TaskTally.Parse(late.Tally, 1, Today));
        Assert.Equal((new TallyGroups("a2", "mtz", "peat|waste"), new OpenItemsCounts(0, 0, 0, 0)), TaskTally.Parse(cancelled.Tally, 4, Today));
        Assert.Equal((new TallyGroups("a1", "maz", ""), new OpenItemsCounts(1, 0, 0, 0)), TaskTally.Parse("a1|maz|open|2026-12-10|", 1, new DateOnly(2026, 12, 1)));
        foreach (var broken in new[] { "", "a1", "a1|maz", "a1|maz|open", "a1|maz|open|2026-12-10", "a1|maz|open|2026-13-10|x", "a1|maz|lost|x", "open|2026-12-10|maz" })
        {
            Assert.Null(TaskTally.Parse(broken, 1, Today));
        }
    }

    [Fact]
    public void Csv_export_has_a_header_and_one_escaped_row_per_task()
    {
        var task = Task("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        task.Title = "=HYPERLINK(\"x\"), \"quoted\"";

        var lines = TaskExports.ToCsv([task], Today).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, lines.Length);
        Assert.StartsWith("Id,AgreementId,CommitmentKey,StepKey,Title,Area,ResponsibleOrg,Role,Status,OriginalDueDate,DueDate,Overdue", lines[0], StringComparison.Ordinal);
        Assert.Contains(",maz,lead,assigned,2026-12-11,2026-12-10,True,", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\"", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void ICalendar_feed_parses_back_with_one_all_day_event_per_task()
    {
        var first = Task("maz", "transport", TaskStatus.Assigned, new DateOnly(2026, 12, 10));
        var second = Task("maz", "peat", TaskStatus.InProgress, new DateOnly(2027, 1, 11));
        second.Provisional = true;

        var text = TaskExports.ToICalendar("maz", [first, second], Now);
        var calendar = Ical.Net.Calendar.Load(text)!;

        Assert.Equal(2, calendar.Events.Count);
        var events = calendar.Events.OrderBy(e => e.DtStart!.Date).ToList();
        Assert.Equal($"{first.Id}@followups", events[0].Uid);
        Assert.Equal(first.Title, events[0].Summary);
        Assert.Equal(new DateOnly(2026, 12, 10), events[0].DtStart!.Date);
        Assert.False(events[0].DtStart!.HasTime);
        Assert.Equal(Now.UtcDateTime, events[0].DtStamp!.AsUtc);
        Assert.Contains("Provisional", events[1].Description, StringComparison.Ordinal);
    }
}
