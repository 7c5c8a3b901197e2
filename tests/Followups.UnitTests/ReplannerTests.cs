using Followups.Contracts;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.UnitTests;

public sealed class ReplannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static CommitmentPlan Plan(AgreedCommitment commitment) =>
        Planner.Plan(PlannerTests.Context(), commitment, PlannerTests.Playbooks.For(commitment.Kind));

    private static List<FollowupTask> Stored(AgreedCommitment commitment) =>
        Plan(commitment).Tasks.Select(t =>
        {
            var task = FollowupTask.Create(t, 1, Now);
            task.Pending.Clear();
            return task;
        }).ToList();

    private static Replanned Amend(List<FollowupTask> stored, AgreedCommitment? commitment, bool redate = false, int version = 2) =>
        Replanner.Apply(stored, commitment is null ? null : Plan(commitment), redate, version, "amendment 2", "secretariat", Now);

    [Fact]
    public void An_added_commitment_gets_its_whole_plan_with_the_first_steps_assigned()
    {
        var result = Amend([], PlannerTests.Buses(coExecutors: ["belkommunmash"]));

        Assert.Empty(result.Changed);
        Assert.Equal(Plan(PlannerTests.Buses(coExecutors: ["belkommunmash"])).Tasks.Select(t => t.Id), result.Added.Select(t => t.Id));
        Assert.Equal(2, result.Added.Count(t => t.Status == TaskStatus.Assigned));
        Assert.All(result.Added, t => Assert.Equal(2, t.AgreementVersion));
    }

    [Fact]
    public void A_cancelled_commitment_cancels_open_tasks_and_leaves_done_ones_done()
    {
        var stored = Stored(PlannerTests.Buses());
        TaskLifecycle.Accept(stored[0], "maz", Now);
        TaskLifecycle.Complete(stored[0], "Sent", "maz", new DateOnly(2026, 11, 30), Now);
        stored[0].Pending.Clear();

        var result = Amend(stored, null);

        Assert.Equal(TaskStatus.Done, stored[0].Status);
        Assert.DoesNotContain(stored[0], result.Changed);
        Assert.Equal(stored.Count - 1, result.Changed.Count);
        Assert.All(result.Changed, t => Assert.Equal(TaskStatus.Cancelled, t.Status));
        Assert.All(result.Changed, t => Assert.Contains(typeof(TaskCancelled).FullName!, t.Pending.Single().Type, StringComparison.Ordinal));
    }

    [Fact]
    public void A_changed_lead_re_assigns_open_tasks_and_keeps_their_progress()
    {
        var stored = Stored(PlannerTests.Buses());
        TaskLifecycle.Accept(stored[0], "maz", Now);
        TaskLifecycle.Progress(stored[0], "Half way", 50, "maz", Now);

        var result = Amend(stored, PlannerTests.Buses() with { Lead = "mtz" });

        var proposal = result.Changed.Single(t => t.StepKey == "proposal");
        Assert.Equal("mtz", proposal.ResponsibleOrg);
        Assert.Equal(TaskStatus.Assigned, proposal.Status);
        Assert.Equal(50, proposal.Percent);
        Assert.Single(proposal.Progress);
        Assert.Contains(proposal.History, h => h.What.StartsWith("re-assigned from maz", StringComparison.Ordinal));
        Assert.Contains(typeof(TaskAssigned).FullName!, proposal.Pending.Single().Type, StringComparison.Ordinal);
        // Planned tasks change holder silently: they are notified when they become assigned.
        Assert.All(result.Changed.Where(t => t.Status == TaskStatus.Planned), t => Assert.Empty(t.Pending));
        Assert.All(result.Changed, t => Assert.Equal("mtz", t.ResponsibleOrg));
        Assert.Empty(result.Added);
    }

    [Fact]
    public void A_changed_due_date_re_dates_open_tasks_with_the_change_recorded()
    {
        var stored = Stored(PlannerTests.Buses());
        var original = stored[0].DueDate;

        var result = Amend(stored, PlannerTests.Buses(new DateOnly(2027, 2, 26)), redate: true);

        var proposal = result.Changed.Single(t => t.StepKey == "proposal");
        Assert.True(proposal.DueDate < original);
        Assert.Equal(original, proposal.OriginalDueDate);
        Assert.True(proposal.Compressed);
        var change = Assert.Single(proposal.DeadlineChanges);
        Assert.Equal(("secretariat", "amendment 2"), (change.Actor, change.Reason));
    }

    [Fact]
    public void Without_a_change_of_due_date_or_urgency_deadlines_stay_even_when_extended()
    {
        var stored = Stored(PlannerTests.Buses());
        stored[0].ChangeDeadline(new DateOnly(2026, 12, 18), "extension approved", "secretariat", Now);

        var result = Amend(stored, PlannerTests.Buses() with { Summary = "Expand supplies of MAZ and Belkommunmash buses" });

        Assert.Equal(new DateOnly(2026, 12, 18), stored[0].DueDate);
        Assert.All(result.Changed, t => Assert.Contains("Belkommunmash", t.Title, StringComparison.Ordinal));
    }

    [Fact]
    public void A_removed_co_executor_loses_its_open_tasks_and_an_added_one_gains_them()
    {
        var stored = Stored(PlannerTests.Buses(coExecutors: ["belkommunmash"]));

        var result = Amend(stored, PlannerTests.Buses(coExecutors: ["kirov-transport"]));

        Assert.All(result.Changed.Where(t => t.ResponsibleOrg == "belkommunmash"), t => Assert.Equal(TaskStatus.Cancelled, t.Status));
        Assert.Equal(2, result.Changed.Count(t => t.ResponsibleOrg == "belkommunmash"));
        Assert.Equal(["kirov-transport", "kirov-transport"], result.Added.Select(t => t.ResponsibleOrg));
        Assert.Equal(TaskStatus.Assigned, result.Added[0].Status);
    }

    [Fact]
    public void The_same_amendment_applied_twice_changes_nothing_the_second_time()
    {
        var stored = Stored(PlannerTests.Buses());
        var amended = PlannerTests.Buses(new DateOnly(2027, 2, 26)) with { Lead = "mtz" };

        var first = Amend(stored, amended, redate: true);
        Assert.NotEmpty(first.Changed);
        var history = stored.Sum(t => t.History.Count);

        var second = Amend(stored, amended, redate: true);

        Assert.Empty(second.Changed);
        Assert.Empty(second.Added);
        Assert.Equal(history, stored.Sum(t => t.History.Count));
    }
}
