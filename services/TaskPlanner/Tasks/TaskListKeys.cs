namespace Followups.TaskPlanner.Tasks;

/// <summary>
/// The prefixes under which a task's <see cref="FollowupTask.DueKey"/> is kept in <see cref="FollowupTask.ListKeys"/>: one
/// per organisation of the task and its status (<c>state|{org}|{state}|</c>), and once more with the organisation empty
/// (any organisation). A task taken off control while in an open status is no longer open, and is kept apart
/// (<c>off|{org}|{state}|</c>) so that an overdue list never reads it. A list of one status is one range of them, or a
/// few; the open tasks of an organisation are the ranges of the open statuses, and all its tasks those of every status,
/// read side by side and merged (see <see cref="Storage.IDocumentStore{T}.PageByPrefixes"/>); every task of any
/// organisation is the ranges of every status under the empty organisation. Each key is one more index insert in every
/// write of a task, and that upkeep is the planner's largest cost, so a task has one key per organisation and one more,
/// not one per list it appears in. Organisation ids and status names hold no <c>|</c>, so no prefix is the start of
/// another's keys.
/// <para>
/// The key for any organisation of an open task also tells the deadline scan whether it may still owe the task a
/// notice: <c>state||{state}|</c> while it may, <c>settled|{state}|</c> once every notice of the deadline went
/// (<see cref="FollowupTask.Settled"/>). The scan reads the first ranges up to its horizon (<see cref="Watch"/>), so it
/// needs no index of its own: one key less per task among old ones (<c>docs/benchmarks.md</c>, "The watch in the list
/// keys"). An earlier version kept a settled task's key under <c>state||{state}|</c> too, beside a watch key of its own;
/// the scan writes back such a task when it meets it, which moves it out of the ranges it reads.
/// </para>
/// </summary>
public static class TaskListKeys
{
    public static string State(string org, string state) => $"state|{org}|{state}|";

    public static string OffControl(string org, string state) => $"off|{org}|{state}|";

    /// <summary>The open tasks of any organisation in <paramref name="state"/> every notice of whose deadline went.</summary>
    public static string Settled(string state) => $"settled|{state}|";

    /// <summary>The ranges the deadline scan reads: the open tasks of any organisation that are not settled, per open status.</summary>
    public static IReadOnlyList<string> Watch { get; } = TaskLifecycle.OpenStatuses.Select(s => State("", TaskLifecycle.Name(s))).ToList();

    /// <summary>The prefixes of the tasks of <paramref name="org"/> (empty: of any organisation) in <paramref name="status"/>.</summary>
    public static IReadOnlyList<string> Status(string org, TaskStatus status)
    {
        var state = TaskLifecycle.Name(status);
        return TaskLifecycle.OpenStatuses.Contains(status) ? [.. OnControl(org, state), OffControl(org, state)] : [State(org, state)];
    }

    /// <summary>The prefixes of every task of <paramref name="org"/> (empty: of any organisation).</summary>
    public static IReadOnlyList<string> All(string org) => Enum.GetValues<TaskStatus>().SelectMany(s => Status(org, s)).ToList();

    /// <summary>The prefixes of the open tasks of <paramref name="org"/> (empty: of any organisation).</summary>
    public static IReadOnlyList<string> Open(string org) => TaskLifecycle.OpenStatuses.SelectMany(s => OnControl(org, TaskLifecycle.Name(s))).ToList();

    /// <summary>The prefixes of the open tasks of <paramref name="org"/> in the open <paramref name="state"/>: for any organisation, settled ones apart.</summary>
    private static IEnumerable<string> OnControl(string org, string state) =>
        org.Length > 0 ? [State(org, state)] : [State(org, state), Settled(state)];

    /// <summary>Every key of <paramref name="task"/>: its due key under its status, for any organisation and for each of its own.</summary>
    public static List<string> Of(FollowupTask task)
    {
        var due = task.DueKey;
        var state = task.State;
        Func<string, string, string> prefix = task.IsOpen || !TaskLifecycle.OpenStatuses.Contains(task.Status) ? State : OffControl;
        var keys = new List<string>(task.Organisations.Count + 1) { (task.IsOpen && task.Settled ? Settled(state) : prefix("", state)) + due };
        foreach (var org in task.Organisations)
        {
            keys.Add(prefix(org, state) + due);
        }

        return keys;
    }
}
