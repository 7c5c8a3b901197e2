namespace Followups.TaskPlanner.Tasks;

/// <summary>
/// The prefixes under which a task's <see cref="FollowupTask.DueKey"/> is kept in <see cref="FollowupTask.ListKeys"/>, one
/// per shape of the managers' list: every task (<c>all|{org}|</c>), by status (<c>state|{org}|{state}|</c>) and open
/// (<c>open|{org}|</c>), each once per organisation of the task; by status and open also once with the organisation empty
/// (any organisation). Every task of any organisation is the range of <see cref="FollowupTask.DueKey"/> itself, which has an
/// index of its own, so it has no list keys: each key is one more index insert in every write of a task, and the planner's
/// largest cost. Organisation ids and status names hold no <c>|</c>, so no prefix is the start of another's keys.
/// </summary>
public static class TaskListKeys
{
    public static string All(string org) => $"all|{org}|";

    public static string State(string org, string state) => $"state|{org}|{state}|";

    public static string Open(string org) => $"open|{org}|";

    /// <summary>Every key of <paramref name="task"/>: its due key under each prefix it is listed by.</summary>
    public static List<string> Of(FollowupTask task)
    {
        var due = task.DueKey;
        var keys = new List<string>();
        foreach (var org in task.Organisations.Prepend(""))
        {
            if (org.Length > 0)
            {
                keys.Add(All(org) + due);
            }

            keys.Add(State(org, task.State) + due);
            if (task.IsOpen)
            {
                keys.Add(Open(org) + due);
            }
        }

        return keys;
    }
}
