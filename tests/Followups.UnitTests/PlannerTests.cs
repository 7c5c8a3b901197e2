using Followups.Contracts;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Planning;

namespace Followups.UnitTests;

public sealed class PlannerTests
{
    private static AgreementRecorded Agreement(params AgreedCommitment[] commitments) => new(
        "agr-1", 1, "Belarus – Kirov Oblast talks", new DateOnly(2026, 11, 20),
        [new AgreementParty("by", "Republic of Belarus", "BY"), new AgreementParty("kirov", "Kirov Oblast", "RU")],
        commitments, DateTimeOffset.UnixEpoch);

    private static AgreedCommitment Buses(DateOnly? due = null, params string[] coExecutors) =>
        new("buses", "Expand supplies of MAZ buses", "passenger-transport", "supply", "maz", coExecutors, due);

    [Fact]
    public void Each_commitment_gets_a_task_for_its_lead_and_one_per_co_executor()
    {
        var tasks = Planner.Plan(Agreement(Buses(null, "belkommunmash", "kirov-transport")), WorkingCalendar.MondayToFriday);

        Assert.Equal(["maz", "belkommunmash", "kirov-transport"], tasks.Select(t => t.ResponsibleOrg));
        Assert.Equal([TaskRole.Lead, TaskRole.CoExecutor, TaskRole.CoExecutor], tasks.Select(t => t.Role));
        Assert.All(tasks, t => Assert.Equal("buses", t.CommitmentKey));
    }

    [Fact]
    public void Without_a_due_date_the_lead_gets_22_working_days_from_the_agreement()
    {
        var lead = Planner.Plan(Agreement(Buses()), WorkingCalendar.MondayToFriday).Single();

        // 20 Nov 2026 (Friday) + 22 working days = Tuesday 22 Dec 2026.
        Assert.Equal(new DateOnly(2026, 12, 22), lead.DueDate);
    }

    [Fact]
    public void A_due_date_on_a_weekend_moves_to_the_previous_working_day()
    {
        var lead = Planner.Plan(Agreement(Buses(new DateOnly(2027, 2, 14))), WorkingCalendar.MondayToFriday).Single();

        Assert.Equal(new DateOnly(2027, 2, 12), lead.DueDate);
    }

    [Fact]
    public void Co_executors_are_due_two_working_days_before_the_lead()
    {
        var tasks = Planner.Plan(Agreement(Buses(new DateOnly(2027, 2, 15), "belkommunmash")), WorkingCalendar.MondayToFriday);

        Assert.Equal(new DateOnly(2027, 2, 15), tasks[0].DueDate);
        Assert.Equal(new DateOnly(2027, 2, 11), tasks[1].DueDate);
    }

    [Fact]
    public void Planning_the_same_agreement_twice_gives_the_same_task_ids()
    {
        var agreement = Agreement(Buses(null, "belkommunmash"));

        var first = Planner.Plan(agreement, WorkingCalendar.MondayToFriday).Select(t => t.Id);
        var second = Planner.Plan(agreement, WorkingCalendar.MondayToFriday).Select(t => t.Id);

        Assert.Equal(first, second);
        Assert.Equal(2, first.Distinct().Count());
    }
}
