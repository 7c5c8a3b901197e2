namespace Followups.TaskPlanner.Tasks;

/// <summary>
/// The prefixes under which a task's <see cref="FollowupTask.DueKey"/> is kept in <see cref="FollowupTask.ListKeys"/>: one
/// per organisation of the task and its status (<c>state|{org}|{state}|</c>), and once more with the organisation empty
/// (any organisation). A task taken off control while in an open status is no longer open, and is kept apart
/// (<c>off|{org}|{state}|</c>) so that an overdue list never reads it. A list of one status is one range of them, or two;
/// the open tasks of an organisation are the ranges of the open statuses, and all its tasks those of every status, read
/// side by side and merged (see <see cref="Storage.IDocumentStore{T}.PageByPrefixes"/>); every task of any organisation is
/// the ranges of every status under the empty organisation. Each key is one more index
/// insert in every write of a task, and that upkeep is the planner's largest cost, so a task has one key per organisation
/// and one more, not one per list it appears in. Organisation ids and status names hold no <c>|</c>, so no prefix is the
/// start of another's keys.
/// </summary>
public static class TaskListKeys
{
    public static string State(string org, string state) => $"state|{org}|{state}|";

    public static string OffControl(string org, string state) => $"off|{org}|{state}|";

    /// <summary>The prefixes of the tasks of <paramref name="org"/> (empty: of any organisation) in <paramref name="status"/>.</summary>
    public static IReadOnlyList<string> Status(string org, TaskStatus status) =>
        TaskLifecycle.OpenStatuses.Contains(status)
            ? [State(org, TaskLifecycle.Name(status)), OffControl(org, TaskLifecycle.Name(status))]
            : [State(org, TaskLifecycle.Name(status))];

    /// <summary>The prefixes of every task of <paramref name="org"/> (empty: of any organisation).</summary>
    public static IReadOnlyList<string> All(string org) => Enum.GetValues<TaskStatus>().SelectMany(s => Status(org, s)).ToList();

    /// <summary>The prefixes of the open tasks of <paramref name="org"/> (empty: of any organisation).</summary>
    public static IReadOnlyList<string> Open(string org) => TaskLifecycle.OpenStatuses.Select(s => State(org, TaskLifecycle.Name(s))).ToList();

    /// <summary>Every key of <paramref name="task"/>: its due key under its status, for any organisation and for each of its own.</summary>
    public static List<string> Of(FollowupTask task)
    {
        var due = task.DueKey;
        Func<string, string, string> prefix = task.IsOpen || !TaskLifecycle.OpenStatuses.Contains(task.Status) ? State : OffControl;
        var keys = new List<string>(task.Organisations.Count + 1) { prefix("", task.State) + due };
        foreach (var org in task.Organisations)
        {
            keys.Add(prefix(org, task.State) + due);
        }

        return keys;
    }
}
