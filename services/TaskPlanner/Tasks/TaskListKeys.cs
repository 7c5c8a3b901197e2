namespace Followups.TaskPlanner.Tasks;

/// <summary>
/// The prefixes under which a task's <see cref="FollowupTask.DueKey"/> is kept in <see cref="FollowupTask.ListKeys"/>: one
/// per organisation of the task and its status (<c>state|{org}|{state}|</c>), and once more with the organisation empty
/// (any organisation). A list of one status is one range of them; the open tasks of an organisation are the ranges of the
/// open statuses, and all its tasks those of every status, read side by side and merged (see
/// <see cref="Storage.IDocumentStore{T}.PageByPrefixes"/>). Every task of any organisation is the range of
/// <see cref="FollowupTask.DueKey"/> itself, which has an index of its own. Each key is one more index insert in every write
/// of a task, and that upkeep is the planner's largest cost, so a task has one key per organisation and one more, not one
/// per list it appears in. Organisation ids and status names hold no <c>|</c>, so no prefix is the start of another's keys.
/// </summary>
public static class TaskListKeys
{
    public static string State(string org, string state) => $"state|{org}|{state}|";

    /// <summary>The prefixes of every task of <paramref name="org"/> (empty: of any organisation), one per status.</summary>
    public static IReadOnlyList<string> All(string org) => Enum.GetValues<TaskStatus>().Select(s => State(org, TaskLifecycle.Name(s))).ToList();

    /// <summary>
    /// The prefixes of the statuses an open task can have. A task taken off control keeps its status but is no longer open,
    /// so a list of open tasks still checks <see cref="FollowupTask.IsOpen"/>.
    /// </summary>
    public static IReadOnlyList<string> Open(string org) => TaskLifecycle.OpenStatuses.Select(s => State(org, TaskLifecycle.Name(s))).ToList();

    /// <summary>Every key of <paramref name="task"/>: its due key under its status, for each organisation and for any.</summary>
    public static List<string> Of(FollowupTask task)
    {
        var due = task.DueKey;
        var keys = new List<string>(task.Organisations.Count + 1) { State("", task.State) + due };
        foreach (var org in task.Organisations)
        {
            keys.Add(State(org, task.State) + due);
        }

        return keys;
    }
}
