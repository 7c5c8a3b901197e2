using System.Globalization;
using System.Text;
using CsvHelper;
using Followups.ServiceDefaults;
using Followups.ServiceDefaults.Security;
using Followups.Storage;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Microsoft.AspNetCore.WebUtilities;

namespace Followups.TaskPlanner.Tasks;

/// <summary>One row of the CSV export of a task query.</summary>
[CsvRecord]
public sealed partial record TaskCsvRow(
    string Id, string AgreementId, string CommitmentKey, string StepKey, string Title, string Area, string ResponsibleOrg, string Role,
    string Status, string OriginalDueDate, string DueDate, bool Overdue, bool Provisional, bool Compressed, bool OffControl, int Percent,
    string? CompletedOn);

/// <summary>Exports for managers and calendar clients: CSV of a task query, iCalendar of an organisation's open deadlines.</summary>
public static class TaskExports
{
    /// <summary>An export holds more than a screen page, but still a bounded number of rows.</summary>
    public const int MaxExportRows = 10_000;

    public static void MapTaskExports(this RouteGroupBuilder group)
    {
        group.MapGet("/export.csv", Csv).Allow(TaskAccess.Readers);
        group.MapGet("/deadlines.ics", Calendar).Allow(TaskAccess.Readers);
    }

    internal static async Task<IResult> Csv(HttpRequest request, Caller caller, IDocumentStore<FollowupTask> store, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var query = TaskQuery.Parse(request.Query, errors, MaxExportRows).Within(caller);
        if (errors.Any)
        {
            return errors.ToBadRequest();
        }

        if (!request.Query.ContainsKey("limit"))
        {
            query = query with { Limit = MaxExportRows };
        }

        // The list's order and cursor: an export may start at a list page's cursor, and one longer than the cap names
        // where the rest begins instead of ending silently.
        var (items, next) = await TaskEndpoints.Run(store, query, clock, cancellationToken);
        if (next is not null)
        {
            var rest = QueryHelpers.AddQueryString(
                request.PathBase + request.Path, request.Query.Where(q => q.Key != "cursor").Append(new("cursor", next)));
            request.HttpContext.Response.Headers.Link = $"<{rest}>; rel=\"next\"";
        }

        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        return TypedResults.Text(ToCsv(items, today), "text/csv; charset=utf-8");
    }

    internal static async Task<IResult> Calendar(string? org, Caller caller, IDocumentStore<FollowupTask> store, TimeProvider clock, CancellationToken cancellationToken)
    {
        org ??= caller.ScopeFor(TaskAccess.SeeAll);
        if (string.IsNullOrWhiteSpace(org))
        {
            return new FieldErrors().Add("org", "is required: the organisation whose open deadlines the feed holds").ToBadRequest();
        }

        if (!caller.MaySee([org], TaskAccess.SeeAll))
        {
            return TypedResults.NotFound();
        }

        var open = await OpenDeadlines(org, store, cancellationToken);
        return TypedResults.Text(ToICalendar(org, open, clock.GetUtcNow()), "text/calendar; charset=utf-8");
    }

    /// <summary>
    /// The open tasks <paramref name="org"/> holds, by deadline, as a calendar feed holds them: the organisation's open list
    /// (its co-executed tasks left out), so no index of its own is kept for it.
    /// </summary>
    internal static Task<IReadOnlyList<FollowupTask>> OpenDeadlines(string org, IDocumentStore<FollowupTask> store, CancellationToken cancellationToken) =>
        store.PageByPrefixes(t => t.ListKeys, TaskListKeys.Open(org), t => t.DueKey, null, null, t => t.ResponsibleOrg == org && t.IsOpen, MaxExportRows, cancellationToken);

    public static string ToCsv(IEnumerable<FollowupTask> tasks, DateOnly today)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        // Titles come from people: a leading '=' must stay text in a spreadsheet, not become a formula.
        using (var csv = CsvWriter.Create(text, CsvWriterOptions.Default with { Injection = CsvInjection.Escape }, leaveOpen: true))
        {
            csv.WriteRecords(tasks.Select(t => new TaskCsvRow(
                t.Id, t.AgreementId, t.CommitmentKey, t.StepKey, t.Title, t.Area, t.ResponsibleOrg,
                Planning.Planner.RoleName(t.Role), t.State, Date(t.OriginalDueDate), Date(t.DueDate), t.IsOpen && t.DueDate < today,
                t.Provisional, t.Compressed, t.OffControl, t.Percent, t.CompletedOn is { } done ? Date(done) : null)));
        }

        return text.ToString();
    }

    /// <summary>
    /// One all-day event per open task on its current deadline. The UID is the task's id, so a subscribed client
    /// updates the event when the deadline moves instead of adding a second one.
    /// </summary>
    public static string ToICalendar(string org, IEnumerable<FollowupTask> tasks, DateTimeOffset now)
    {
        var calendar = new Ical.Net.Calendar { ProductId = "-//Followups//Task planner//EN" };
        calendar.AddProperty("X-WR-CALNAME", $"Followups: open deadlines of {org}");
        foreach (var task in tasks)
        {
            calendar.Events.Add(new CalendarEvent
            {
                Uid = $"{task.Id}@followups",
                Summary = task.Title,
                Description = new StringBuilder()
                    .Append(CultureInfo.InvariantCulture, $"Status: {task.State}. Role: {Planning.Planner.RoleName(task.Role)}. ")
                    .Append(CultureInfo.InvariantCulture, $"Agreement {task.AgreementId}, commitment {task.CommitmentKey}, step {task.StepKey}.")
                    .Append(task.Provisional ? " Provisional deadline: no official calendar for its year yet." : "")
                    .ToString(),
                DtStart = new CalDateTime(task.DueDate),
                DtEnd = new CalDateTime(task.DueDate.AddDays(1)),
                Categories = [task.Area],
                // Stamped from the injected clock, not the library's own reading of the system time.
                DtStamp = new CalDateTime(now.UtcDateTime, "UTC"),
            });
        }

        return new CalendarSerializer().SerializeToString(calendar) ?? "";
    }

    private static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
