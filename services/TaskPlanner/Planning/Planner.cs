using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Playbooks;

namespace Followups.TaskPlanner.Planning;

/// <summary>A task the planner decided on, before it is stored. <see cref="WaitingFor"/> lists the tasks that must close first.</summary>
public sealed record PlannedTask(
    string Id,
    string AgreementId,
    string CommitmentKey,
    string StepKey,
    string Title,
    string Area,
    string ResponsibleOrg,
    TaskRole Role,
    DateOnly DueDate,
    int? ProvisionalYear,
    bool Compressed,
    IReadOnlyList<string> WaitingFor,
    string? Controller,
    DeadlineCount? Count = null,
    IReadOnlyList<string>? CoExecutors = null);

/// <summary>A deadline as counted: <see cref="WorkingDays"/> working days after <see cref="From"/>, never past <see cref="Cap"/>.</summary>
public sealed class DeadlineCount
{
    /// <summary>The plan's anchor: the day the agreement was concluded.</summary>
    public DateOnly From { get; set; }

    public int WorkingDays { get; set; }

    /// <summary>The commitment's own due date, which caps its plan.</summary>
    public DateOnly? Cap { get; set; }
}

/// <summary>Who answers for a task within its commitment.</summary>
public enum TaskRole
{
    Lead,
    CoExecutor,
    Counterpart,
    Controller,
    Secretariat,
}

/// <summary>What the planner knows about the agreement a commitment belongs to, and the day it plans on.</summary>
public sealed record PlanContext(string AgreementId, DateOnly ConcludedOn, DateOnly Today, Func<string, WorkingCalendar> CalendarOf, PlannerOptions Options);

/// <summary>The tasks of one commitment; <see cref="Compressed"/> when its due date forced the playbook's steps closer together.</summary>
public sealed record CommitmentPlan(string CommitmentKey, bool Compressed, IReadOnlyList<PlannedTask> Tasks);

/// <summary>Turns commitments into tasks from playbooks, on the responsible organisations' calendars: pure, no I/O.</summary>
public static class Planner
{
    /// <summary>The usual terms of an instruction's first response: urgent 3 working days, prompt 10, otherwise about a month.</summary>
    public static int UrgencyDays(string? urgency) => urgency switch
    {
        "urgent" => 3,
        "prompt" => 10,
        _ => 22,
    };

    public static string RoleName(TaskRole role) => role switch
    {
        TaskRole.Lead => "lead",
        TaskRole.CoExecutor => "co-executor",
        TaskRole.Counterpart => "counterpart",
        TaskRole.Controller => "controller",
        _ => "secretariat",
    };

    public static IReadOnlyList<CommitmentPlan> Plan(PlanContext context, IEnumerable<AgreedCommitment> commitments, PlaybookLibrary playbooks) =>
        commitments.Select(c => Plan(context, c, playbooks.For(c.Kind))).ToList();

    public static CommitmentPlan Plan(PlanContext context, AgreedCommitment commitment, Playbook playbook)
    {
        var start = context.ConcludedOn;
        var leadCalendar = context.CalendarOf(commitment.Lead);

        // Finish of each step in working days after the agreement date. Steps without predecessors are the first
        // response to the commitment, so the urgency's term caps them (a due date alone sets no such term).
        var finish = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in playbook.Steps)
        {
            var days = step.Predecessors.Count == 0 && (commitment.Urgency is not null || commitment.DueDate is null)
                ? Math.Min(step.Days, UrgencyDays(commitment.Urgency))
                : step.Days;
            finish[step.Key] = step.Predecessors.Select(p => finish[p]).DefaultIfEmpty(0).Max() + days;
        }

        var holders = playbook.Steps.ToDictionary(s => s.Key, s => Holders(s, commitment, context.Options), StringComparer.Ordinal);

        // The commitment's due date caps the plan: when the steps do not fit, every finish shrinks in proportion and the
        // plan says so, rather than silently running past the date.
        DateOnly? cap = commitment.DueDate is { } due ? leadCalendar.OnOrBefore(due) : null;
        var compressed = false;
        if (cap is { } last)
        {
            var available = leadCalendar.WorkingDaysBetween(start, last);
            // Only steps somebody holds count: a skipped closing step must not squeeze the others.
            var total = finish.Where(f => holders[f.Key].Count > 0).Select(f => f.Value).DefaultIfEmpty(0).Max();
            if (total > available)
            {
                compressed = true;
                foreach (var key in finish.Keys.ToList())
                {
                    finish[key] = available <= 0 ? 0 : Math.Max(1, (int)((long)finish[key] * available / total));
                }
            }
        }

        var taskIds = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var tasks = new List<PlannedTask>();
        foreach (var step in playbook.Steps)
        {
            var waitingFor = step.Predecessors.SelectMany(p => taskIds[p]).Distinct().ToList();
            var ids = new List<string>();
            foreach (var (org, role) in holders[step.Key])
            {
                var task = Task(context, commitment, step, org, role, finish[step.Key], cap, waitingFor, compressed, contribution: false);
                ids.Add(task.Id);
                tasks.Add(task);
            }

            if (step.CoExecutors && holders[step.Key].Count > 0)
            {
                foreach (var coExecutor in commitment.CoExecutors)
                {
                    var task = Task(context, commitment, step, coExecutor, TaskRole.CoExecutor, finish[step.Key], cap, waitingFor, compressed, contribution: true);
                    ids.Add(task.Id);
                    tasks.Add(task);
                }
            }

            // A step nobody holds is skipped; its successors wait for what it would have waited for.
            taskIds[step.Key] = ids.Count > 0 ? ids : waitingFor;
        }

        return new CommitmentPlan(commitment.Key, compressed, tasks);
    }

    /// <summary>
    /// The organisations that hold a step. A step whose role the commitment does not fill is skipped rather than
    /// handed to the lead: the lead already answers for the commitment through its own steps, and work that belongs to
    /// the other side (counterpart), to oversight (controller) or to the secretariat would only blur who owes what.
    /// </summary>
    private static IReadOnlyList<(string Org, TaskRole Role)> Holders(PlaybookStep step, AgreedCommitment commitment, PlannerOptions options) =>
        step.Role switch
        {
            "lead" => [(commitment.Lead, TaskRole.Lead)],
            "co-executor" => commitment.CoExecutors.Select(o => (o, TaskRole.CoExecutor)).ToList(),
            "counterpart" => (commitment.Counterparts ?? []).Select(o => (o, TaskRole.Counterpart)).ToList(),
            "controller" => commitment.Controller is { Length: > 0 } controller ? [(controller, TaskRole.Controller)] : [],
            _ => options.SecretariatOrg is { Length: > 0 } secretariat ? [(secretariat, TaskRole.Secretariat)] : [],
        };

    private static PlannedTask Task(
        PlanContext context, AgreedCommitment commitment, PlaybookStep step, string org, TaskRole role, int finish,
        DateOnly? cap, IReadOnlyList<string> waitingFor, bool compressed, bool contribution)
    {
        var calendar = context.CalendarOf(org);
        var start = context.ConcludedOn;
        var due = calendar.OnOrBefore(calendar.AddWorkingDays(start, finish));
        if (cap is { } last)
        {
            due = Min(due, calendar.OnOrBefore(last));
        }

        if (contribution)
        {
            // Contributions are due before the lead's step, so the lead can assemble them; but never on the agreement day.
            due = Max(calendar.AddWorkingDays(due, -context.Options.CoExecutorLeadDays), Min(due, calendar.AddWorkingDays(start, 1)));
        }

        // Never a deadline in the past: an agreement recorded late still gives at least one working day. Past the cap
        // this overruns the due date, which the plan's compressed flag reports.
        var earliest = calendar.AddWorkingDays(context.Today, 1);
        var overrun = false;
        if (due < earliest)
        {
            overrun = cap is { } c && earliest > c;
            due = earliest;
        }

        var title = step.Title.Replace("{summary}", commitment.Summary, StringComparison.Ordinal);
        return new PlannedTask(
            Id(context.AgreementId, commitment.Key, step.Key, role, org),
            context.AgreementId,
            commitment.Key,
            step.Key,
            contribution ? $"Contribution to: {title}" : title,
            commitment.Area,
            org,
            role,
            due,
            calendar.FirstProvisionalYear(start, due),
            compressed || overrun,
            waitingFor,
            commitment.Controller,
            // Kept so that a provisional deadline can be counted again once its year's calendar is decreed.
            new DeadlineCount { From = start, WorkingDays = calendar.WorkingDaysBetween(start, due), Cap = commitment.DueDate },
            commitment.CoExecutors);
    }

    /// <summary>
    /// Derived from what caused the task, so a redelivered event plans the same ids and stores nothing twice. Roles held
    /// by one organisation (lead, controller, secretariat) leave the organisation out: when an amendment names a new lead,
    /// the task, its progress and its history stay, and only the holder changes.
    /// </summary>
    public static string Id(string agreementId, string commitmentKey, string stepKey, TaskRole role, string org) =>
        role is TaskRole.CoExecutor or TaskRole.Counterpart
            ? DeterministicId.Text("task", agreementId, commitmentKey, stepKey, RoleName(role), org)
            : DeterministicId.Text("task", agreementId, commitmentKey, stepKey, RoleName(role));

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
}
