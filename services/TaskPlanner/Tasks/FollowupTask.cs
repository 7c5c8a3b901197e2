using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.Storage;
using Followups.TaskPlanner.Planning;

namespace Followups.TaskPlanner.Tasks;

/// <summary>One concrete piece of follow-up work with an owner and a deadline, with everything that happened to it.</summary>
public sealed class FollowupTask : AggregateDocument
{
    public string AgreementId { get; set; } = "";
    public string CommitmentKey { get; set; } = "";
    public string StepKey { get; set; } = "";
    public string Title { get; set; } = "";
    public string Area { get; set; } = "";
    public string ResponsibleOrg { get; set; } = "";
    public TaskRole Role { get; set; }

    /// <summary>The co-executors of the task's commitment, who answer for it beside its holder.</summary>
    public List<string> CoExecutors { get; set; } = [];

    /// <summary>
    /// The holder and the co-executors: the managers' <c>org</c> filter is one lookup in this list's per-element index
    /// in every store. Always derived; the setter only lets the stores read it back.
    /// </summary>
    public List<string> Organisations
    {
        get => [ResponsibleOrg, .. CoExecutors.Where(o => o != ResponsibleOrg)];
        set { }
    }

    public string? Controller { get; set; }
    public DateOnly OriginalDueDate { get; set; }
    public DateOnly DueDate { get; set; }

    /// <summary>
    /// Due date then id as one string, <c>2026-12-11/{id}</c>: the managers' lists sort and page on it in every store
    /// (LiteDB orders by one key only). It has no index of its own: every list key ends with it
    /// (<see cref="ListKeys"/>), and every task of any organisation is the ranges of all statuses under the empty
    /// organisation. Always derived; the setter only lets the stores read it back.
    /// </summary>
    public string DueKey
    {
        get => $"{DayKey(DueDate)}/{Id}";
        set { }
    }

    /// <summary>
    /// The day part of <see cref="DueKey"/>: every due key of <paramref name="day"/> sorts after it and before the next
    /// day's, so it bounds a range of due keys (the lists' windows, the deadline scan's horizon).
    /// </summary>
    public static string DayKey(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// <see cref="RecountKey"/> of a task the start-up recount has nothing to do for. Not empty: LiteDB stores an empty
    /// string as null, which would make every such task look like one an earlier version wrote. Letters sort after the
    /// digits a recount key starts with, so no recount's range reaches it.
    /// </summary>
    public const string NoRecount = "none";

    /// <summary>
    /// <see cref="DueKey"/> under the task's status, once per organisation and once for any (<see cref="TaskListKeys"/>):
    /// with a per-element index, each of the managers' lists (by status; an organisation's, open or overdue, in a due
    /// window) is one index range, or a few merged, read in the list's order up to the page. The key for any organisation
    /// of an open task also says whether the deadline scan may still owe it a notice (not <see cref="Settled"/>), so the
    /// scan reads only those ranges. Always derived; the setter only lets the stores read it back.
    /// </summary>
    public List<string> ListKeys
    {
        get => TaskListKeys.Of(this);
        set { }
    }

    /// <summary>
    /// The task's agreement, holder, column and area in the open-items report as one string (<see cref="Reports.TaskTally"/>):
    /// the report counts the values of this indexed field, which LiteDB does from the index without reading a task, and
    /// adds them up per grouping. The agreement comes first so that the keys of an agreement's tasks sit side by side in
    /// the index: planning links them to each other, in the few index pages it writes anyway, instead of one page of old
    /// keys per task. Always derived; the setter only lets the stores read it back.
    /// </summary>
    public string Tally
    {
        get => Reports.TaskTally.Of(this);
        set { }
    }

    public TaskStatus Status
    {
        get;
        set
        {
            field = value;
            State = TaskLifecycle.Name(value);
        }
    }

    /// <summary>The status as its API name, kept beside <see cref="Status"/> so that both stores filter it as a plain string.</summary>
    public string State { get; set; } = "planned";

    /// <summary>Kept beside <see cref="Status"/> so that "open" is one indexed equality in every query and store.</summary>
    public bool IsOpen { get; set; }

    /// <summary>The deadline was counted on a year without an official calendar.</summary>
    public bool Provisional { get; set; }

    /// <summary>
    /// The first year of the deadline's count that had no official calendar when it was counted; null when every year had
    /// one, and on tasks stored before it was kept. Set with <see cref="Provisional"/> by <see cref="CountedOn"/>.
    /// </summary>
    public int? ProvisionalYear { get; set; }

    /// <summary>
    /// While the task is open and its deadline provisional, <see cref="ProvisionalYear"/> (0 when not kept yet) and the id,
    /// <c>2027/{id}</c>; else <see cref="NoRecount"/>. The start-up recount reads the keys up to the latest year with an
    /// official calendar as one range of this field's index, so it reads only the tasks a new calendar can move, not every
    /// task in the store. It pages on the key as this version derives it, so the key's form must not change while stored
    /// tasks keep the old one: a page would end before a stored key and be read again, and again. (Putting the agreement
    /// before the id, as <see cref="Tally"/> does, would cluster an agreement's keys; measured and left out for that
    /// reason, see <c>docs/benchmarks.md</c>.) Always derived; the setter only lets the stores read it back.
    /// </summary>
    public string RecountKey
    {
        get => IsOpen && Provisional
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ProvisionalYear ?? 0:D4}/{Id}")
            : NoRecount;
        set { }
    }

    /// <summary>
    /// The upper bound of the <see cref="RecountKey"/> range whose first provisional year is at most <paramref name="year"/>:
    /// <c>2027</c> sorts after every <c>2026/…</c> key and before every <c>2027/…</c> one.
    /// </summary>
    public static string RecountKeysBefore(int year) => (year + 1).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Records how the deadline was counted: provisional from <paramref name="provisionalYear"/>, or on official calendars (null).</summary>
    public void CountedOn(int? provisionalYear) => (Provisional, ProvisionalYear) = (provisionalYear is not null, provisionalYear);

    /// <summary>
    /// How the planner counted <see cref="DueDate"/>, so that a provisional deadline can be counted again on the decreed
    /// calendar. Absent when a person chose the date (an approved extension) and on tasks stored before it was kept.
    /// </summary>
    public DeadlineCount? Count { get; set; }

    /// <summary>The commitment's due date forced this plan's steps closer than the playbook wants.</summary>
    public bool Compressed { get; set; }

    /// <summary>Tasks (earlier steps) that must be done or cancelled before this one is assigned.</summary>
    public List<string> WaitingFor { get; set; } = [];

    public bool OffControl { get; set; }
    public int Percent { get; set; }
    public string? Report { get; set; }
    public DateOnly? CompletedOn { get; set; }
    public ExtensionRequest? PendingExtension { get; set; }
    public List<ProgressReport> Progress { get; set; } = [];
    public List<DeadlineChange> DeadlineChanges { get; set; } = [];
    public List<HistoryEntry> History { get; set; } = [];

    /// <summary>Time-driven notices already published, as <c>{deadline}:{kind}</c>: recorded in the write that raises them.</summary>
    public List<string> Notices { get; set; } = [];

    /// <summary>Every notice of the current deadline was sent (escalation included); cleared when the deadline moves.</summary>
    public bool Settled { get; set; }

    /// <summary>The last agreement version applied to this task, so a replayed amendment leaves it alone.</summary>
    public int AgreementVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// A newly planned task: assigned at once, or planned while it waits. An assigned task has its
    /// <see cref="TaskAssigned"/> pending, unless <paramref name="announced"/> says the caller tells of it with others
    /// (<see cref="Assignment"/>).
    /// </summary>
    public static FollowupTask Create(PlannedTask planned, int agreementVersion, DateTimeOffset now, bool announced = false)
    {
        var task = new FollowupTask
        {
            Id = planned.Id,
            AgreementId = planned.AgreementId,
            CommitmentKey = planned.CommitmentKey,
            StepKey = planned.StepKey,
            Title = planned.Title,
            Area = planned.Area,
            ResponsibleOrg = planned.ResponsibleOrg,
            Role = planned.Role,
            CoExecutors = [.. planned.CoExecutors ?? []],
            Controller = planned.Controller,
            OriginalDueDate = planned.DueDate,
            DueDate = planned.DueDate,
            Count = planned.Count,
            Compressed = planned.Compressed,
            WaitingFor = [.. planned.WaitingFor],
            Status = TaskStatus.Planned,
            IsOpen = true,
            AgreementVersion = agreementVersion,
            CreatedAt = now,
        };
        task.CountedOn(planned.ProvisionalYear);
        task.Record(now, "planner", "planned");
        if (task.WaitingFor.Count == 0)
        {
            task.MarkAssigned(now, "planner", raise: !announced);
        }

        return task;
    }

    /// <summary>Assigns the task to its holder and raises <see cref="TaskAssigned"/> with an id unique to this holder and deadline.</summary>
    internal void MarkAssigned(DateTimeOffset now, string actor, bool raise = true)
    {
        Status = TaskStatus.Assigned;
        Record(now, actor, $"assigned to {ResponsibleOrg}");
        if (raise)
        {
            RaiseAssigned(now);
        }
    }

    /// <summary>Raises <see cref="TaskAssigned"/> for the current assignment, told alone rather than with the agreement's others.</summary>
    internal void RaiseAssigned(DateTimeOffset now)
    {
        // The first assignment keeps the task id as message id (what the notifier has always deduplicated on);
        // a re-assignment to another holder is a new notice.
        var messageId = History.Count(h => h.What.StartsWith("assigned to ", StringComparison.Ordinal)) == 1
            ? Guid.Parse(Id)
            : DeterministicId.From("task-assigned", Id, ResponsibleOrg, DueDate.ToString("O"), History.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Raise(Assignment(now), messageId);
    }

    /// <summary>What telling the holder of this task's assignment at <paramref name="at"/> says.</summary>
    public TaskAssigned Assignment(DateTimeOffset at) =>
        new(Id, AgreementId, CommitmentKey, Title, ResponsibleOrg, Planner.RoleName(Role), DueDate, at);

    internal void ChangeDeadline(DateOnly dueDate, string reason, string actor, DateTimeOffset now)
    {
        DeadlineChanges.Add(new DeadlineChange { From = DueDate, To = dueDate, Reason = reason, Actor = actor, At = now });
        DueDate = dueDate;
        Settled = false;
        Record(now, actor, $"deadline {dueDate:yyyy-MM-dd}: {reason}");
    }

    internal void Record(DateTimeOffset now, string actor, string what) => History.Add(new HistoryEntry { At = now, Actor = actor, What = what });
}

/// <summary>A task's state in its lifecycle.</summary>
public enum TaskStatus
{
    Planned,
    Assigned,
    Accepted,
    InProgress,
    Done,
    Cancelled,
}

/// <summary>A progress report of the responsible organisation.</summary>
public sealed class ProgressReport
{
    public string Text { get; set; } = "";
    public int Percent { get; set; }
    public string Actor { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>A change of a task's deadline, with why and who.</summary>
public sealed class DeadlineChange
{
    public DateOnly From { get; set; }
    public DateOnly To { get; set; }
    public string Reason { get; set; } = "";
    public string Actor { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>A request to move a task's deadline, waiting for the secretariat's decision.</summary>
public sealed class ExtensionRequest
{
    public DateOnly RequestedDueDate { get; set; }
    public string Reason { get; set; } = "";
    public string RequestedBy { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>One thing that happened to a task.</summary>
public sealed class HistoryEntry
{
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string What { get; set; } = "";
}
