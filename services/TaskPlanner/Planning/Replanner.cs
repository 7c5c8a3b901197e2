using Followups.TaskPlanner.Tasks;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.TaskPlanner.Planning;

/// <summary>A commitment's tasks after an amendment: the ones that changed and the new ones.</summary>
public sealed record Replanned(IReadOnlyList<FollowupTask> Changed, IReadOnlyList<FollowupTask> Added);

/// <summary>
/// Brings a commitment's stored tasks in line with its amended plan: pure, no I/O. Done and cancelled tasks are never
/// touched; open ones keep their status, progress and history while their holder, deadline or dependencies change.
/// </summary>
public static class Replanner
{
    /// <param name="existing">The commitment's stored tasks.</param>
    /// <param name="plan">The plan of the amended commitment, or null when the amendment cancelled it.</param>
    /// <param name="redate">Whether the commitment's due date or urgency changed, so open deadlines follow the new plan;
    /// otherwise deadlines stay as they are, extensions included.</param>
    public static Replanned Apply(
        IReadOnlyList<FollowupTask> existing, CommitmentPlan? plan, bool redate, int version, string reason, string actor, DateTimeOffset now)
    {
        var changed = new List<FollowupTask>();
        var added = new List<FollowupTask>();
        // A replayed amendment finds its version on every task it already handled and leaves it alone.
        var open = existing.Where(t => t.Status is not (TaskStatus.Done or TaskStatus.Cancelled) && t.AgreementVersion < version).ToList();
        var planned = (plan?.Tasks ?? []).ToDictionary(t => t.Id, StringComparer.Ordinal);

        foreach (var task in open.Where(t => !planned.ContainsKey(t.Id)))
        {
            TaskLifecycle.Cancel(task, plan is null ? reason : $"no longer part of the commitment: {reason}", actor, now);
            changed.Add(Stamp(task, version));
        }

        var byId = existing.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var closed = existing.Where(t => t.Status is TaskStatus.Done or TaskStatus.Cancelled).Select(t => t.Id)
            .Concat(changed.Select(t => t.Id))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var next in plan?.Tasks ?? [])
        {
            if (!byId.TryGetValue(next.Id, out var task))
            {
                var created = FollowupTask.Create(next, version, now);
                if (created.Status == TaskStatus.Planned && created.WaitingFor.All(closed.Contains))
                {
                    created.MarkAssigned(now, actor);
                }

                added.Add(created);
                continue;
            }

            if (!open.Contains(task) || !Update(task, next, redate, reason, actor, now))
            {
                continue;
            }

            changed.Add(Stamp(task, version));
        }

        return new Replanned(changed, added);
    }

    private static bool Update(FollowupTask task, PlannedTask next, bool redate, string reason, string actor, DateTimeOffset now)
    {
        var before = (task.ResponsibleOrg, task.DueDate, task.Title, task.Area, task.Controller, string.Join(',', task.WaitingFor), task.Compressed, task.Provisional, string.Join(',', task.CoExecutors));
        (task.Title, task.Area, task.Controller, task.WaitingFor) = (next.Title, next.Area, next.Controller, [.. next.WaitingFor]);
        task.CoExecutors = [.. next.CoExecutors ?? []];
        if (redate && next.DueDate != task.DueDate)
        {
            task.ChangeDeadline(next.DueDate, reason, actor, now);
            (task.Compressed, task.Count) = (next.Compressed, next.Count);
            task.CountedOn(next.ProvisionalYear);
        }

        if (next.ResponsibleOrg != task.ResponsibleOrg)
        {
            var previous = task.ResponsibleOrg;
            task.ResponsibleOrg = next.ResponsibleOrg;
            task.Record(now, actor, $"re-assigned from {previous}: {reason}");
            // The new holder has to accept it again; the progress reported so far stays with the task.
            if (task.Status != TaskStatus.Planned)
            {
                task.MarkAssigned(now, actor);
            }
        }

        return before != (task.ResponsibleOrg, task.DueDate, task.Title, task.Area, task.Controller, string.Join(',', task.WaitingFor), task.Compressed, task.Provisional, string.Join(',', task.CoExecutors));
    }

    private static FollowupTask Stamp(FollowupTask task, int version)
    {
        task.AgreementVersion = version;
        return task;
    }
}
