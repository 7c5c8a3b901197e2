using Followups.ServiceDefaults.Security;

namespace Followups.TaskPlanner.Tasks;

/// <summary>
/// Who sees which tasks: the secretariat and managers all of them, a member those its organisation holds or
/// contributes to as a co-executor of the commitment (the same set the <c>org</c> filter finds). Acting on a task is
/// for its holder only; see <see cref="TaskActionEndpoints"/>.
/// </summary>
public static class TaskAccess
{
    public static readonly string[] Readers = [Roles.Secretariat, Roles.Manager, Roles.Member];

    public static readonly string[] SeeAll = [Roles.Secretariat, Roles.Manager];

    public static bool MaySee(this Caller caller, FollowupTask task) => caller.MaySee(task.Organisations, SeeAll);

    /// <summary>
    /// The query narrowed to what the caller may see. A member's query is kept to its organisation; asking for another
    /// organisation finds nothing rather than an error, as if that organisation had no tasks.
    /// </summary>
    public static TaskQuery Within(this TaskQuery query, Caller caller) =>
        caller.ScopeFor(SeeAll) is not { } scope ? query : query with { Org = query.Org is null || query.Org == scope ? scope : "\0" + query.Org };
}
