using Followups.Contracts;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Playbooks;

namespace Followups.UnitTests;

public sealed class PlannerTests
{
    internal static readonly PlaybookLibrary Playbooks = PlaybookLibrary.Load(Path.Combine(AppContext.BaseDirectory, "Playbooks"));

    private static readonly DateOnly Concluded = new(2026, 11, 20);

    internal static PlanContext Context(DateOnly? today = null, Func<string, WorkingCalendar>? calendarOf = null, PlannerOptions? options = null) =>
        new("agr-1", Concluded, today ?? Concluded, calendarOf ?? (_ => WorkingCalendar.MondayToFriday), options ?? new PlannerOptions());

    internal static AgreedCommitment Buses(DateOnly? due = null, string? urgency = null, string[]? counterparts = null, string? controller = null, params string[] coExecutors) =>
        new("buses", "Expand supplies of MAZ buses", "passenger-transport", "supply", "maz", coExecutors, due, urgency, counterparts, controller);

    private static CommitmentPlan Plan(AgreedCommitment commitment, PlanContext? context = null) =>
        Planner.Plan(context ?? Context(), commitment, Playbooks.For(commitment.Kind));

    [Fact]
    public void Every_commitment_kind_has_a_shipped_playbook()
    {
        string[] kinds = ["supply", "joint-project", "financing-mechanism", "experience-exchange", "standard-design", "visit-or-meeting", "study", "other"];
        Assert.Equal(kinds.Order(), Playbooks.All.Select(p => p.Kind).Order());
        Assert.Equal("other", Playbooks.For("something-new").Kind);
    }

    [Fact]
    public void A_supply_expands_into_its_playbook_steps_with_co_executor_contributions()
    {
        var plan = Plan(Buses(coExecutors: ["belkommunmash"]));

        Assert.Equal(
            ["proposal:maz", "proposal:belkommunmash", "terms:maz", "contract:maz", "first-delivery:maz", "report:maz", "report:belkommunmash"],
            plan.Tasks.Select(t => $"{t.StepKey}:{t.ResponsibleOrg}"));
        Assert.Equal("Commercial proposal: Expand supplies of MAZ buses", plan.Tasks[0].Title);
        Assert.Equal("Contribution to: Commercial proposal: Expand supplies of MAZ buses", plan.Tasks[1].Title);
        Assert.False(plan.Compressed);
    }

    [Fact]
    public void First_steps_start_at_once_and_later_steps_wait_for_their_predecessors()
    {
        var tasks = Plan(Buses(coExecutors: ["belkommunmash"])).Tasks;
        var proposalIds = tasks.Where(t => t.StepKey == "proposal").Select(t => t.Id);

        Assert.Empty(tasks[0].WaitingFor);
        Assert.Empty(tasks[1].WaitingFor);
        Assert.Equal(proposalIds, tasks.Single(t => t.StepKey == "terms").WaitingFor);
        Assert.Equal([tasks.Single(t => t.StepKey == "first-delivery").Id], tasks.Single(t => t.StepKey == "report" && t.Role == TaskRole.CoExecutor).WaitingFor);
    }

    [Fact]
    public void Steps_of_roles_the_commitment_does_not_fill_are_skipped_and_named_ones_are_planned()
    {
        var without = Plan(Buses());
        Assert.DoesNotContain(without.Tasks, t => t.Role is TaskRole.Counterpart or TaskRole.Controller or TaskRole.Secretariat);

        var with = Plan(Buses(counterparts: ["kirov-transport"], controller: "by-mfa"));
        Assert.Contains(with.Tasks, t => t.StepKey == "counterpart-needs" && t.ResponsibleOrg == "kirov-transport" && t.Role == TaskRole.Counterpart);
        Assert.Contains(with.Tasks, t => t.StepKey == "control" && t.ResponsibleOrg == "by-mfa" && t.Role == TaskRole.Controller);
        // The terms wait for both first steps.
        Assert.Equal(2, with.Tasks.Single(t => t.StepKey == "terms").WaitingFor.Count);
    }

    [Fact]
    public void Durations_count_working_days_from_the_agreement_and_from_predecessors()
    {
        var tasks = Plan(Buses(coExecutors: ["belkommunmash"])).Tasks;

        // Friday 20 Nov 2026 + 15 working days = Friday 11 Dec; the contribution is due two working days earlier.
        Assert.Equal(new DateOnly(2026, 12, 11), tasks[0].DueDate);
        Assert.Equal(new DateOnly(2026, 12, 9), tasks[1].DueDate);
        // + 15 more for the terms: Friday 1 Jan 2027 (Monday to Friday knows no holidays).
        Assert.Equal(new DateOnly(2027, 1, 1), tasks.Single(t => t.StepKey == "terms").DueDate);
    }

    [Theory]
    [InlineData("urgent", 2026, 11, 25)]
    [InlineData("prompt", 2026, 12, 4)]
    public void Urgency_sets_the_term_of_the_first_response(string urgency, int y, int m, int d)
    {
        var plan = Plan(Buses(urgency: urgency));

        Assert.Equal(new DateOnly(y, m, d), plan.Tasks[0].DueDate);
        Assert.False(plan.Compressed);
    }

    [Fact]
    public void A_due_date_too_close_compresses_the_plan_proportionally_and_says_so()
    {
        var due = new DateOnly(2027, 2, 26);
        var plan = Plan(Buses(due, coExecutors: ["belkommunmash"]));

        Assert.True(plan.Compressed);
        Assert.All(plan.Tasks, t => Assert.True(t.Compressed));
        Assert.All(plan.Tasks, t => Assert.InRange(t.DueDate, Concluded.AddDays(1), due));
        var lead = plan.Tasks.Where(t => t.Role == TaskRole.Lead).Select(t => t.DueDate).ToList();
        Assert.Equal(lead.Order(), lead);
        Assert.Equal(due, lead[^1]);
        // 70 working days for 100 of playbook: the proposal gets 10 instead of 15.
        Assert.Equal(WorkingCalendar.MondayToFriday.AddWorkingDays(Concluded, 10), lead[0]);
    }

    [Fact]
    public void A_due_date_far_enough_does_not_compress()
    {
        var plan = Plan(Buses(new DateOnly(2027, 12, 31)));

        Assert.False(plan.Compressed);
        Assert.Equal(new DateOnly(2026, 12, 11), plan.Tasks[0].DueDate);
    }

    [Fact]
    public void A_due_date_already_past_never_gives_a_deadline_in_the_past()
    {
        var today = new DateOnly(2027, 3, 10);
        var plan = Plan(Buses(new DateOnly(2027, 1, 15)), Context(today));

        Assert.True(plan.Compressed);
        Assert.All(plan.Tasks, t => Assert.True(t.DueDate > today));
    }

    [Fact]
    public void Co_executor_lead_time_is_configurable()
    {
        var tasks = Plan(Buses(coExecutors: ["belkommunmash"]), Context(options: new PlannerOptions { CoExecutorLeadDays = 5 })).Tasks;

        Assert.Equal(new DateOnly(2026, 12, 4), tasks[1].DueDate);
    }

    [Fact]
    public void Each_organisation_counts_on_its_own_national_calendar()
    {
        var calendars = NationalCalendars.Embedded;
        var countries = new Dictionary<string, string> { ["maz"] = "BY", ["kirov-transport"] = "RU" };
        var context = new PlanContext("agr-1", new DateOnly(2026, 12, 28), new DateOnly(2026, 12, 28), o => calendars.For(countries[o]), new PlannerOptions());
        var commitment = new AgreedCommitment("buses", "Buses", "passenger-transport", "other", "maz", [], null, "urgent", null, null);

        var belarus = Planner.Plan(context, commitment, Playbooks.For("other")).Tasks[0];
        var russia = Planner.Plan(context, commitment with { Lead = "kirov-transport" }, Playbooks.For("other")).Tasks[0];

        // BY works on 29, 30, 31 December 2026; RU has 31 December off and New Year holidays to 8 January 2027,
        // a year without a decree yet, so that deadline is provisional.
        Assert.Equal(new DateOnly(2026, 12, 31), belarus.DueDate);
        Assert.Null(belarus.ProvisionalYear);
        Assert.Equal(new DateOnly(2027, 1, 11), russia.DueDate);
        Assert.Equal(2027, russia.ProvisionalYear);
        // How it was counted, for when the 2027 decree arrives: 3 working days (urgent) from the agreement date.
        Assert.Equal((new DateOnly(2026, 12, 28), 3, (DateOnly?)null), (russia.Count!.From, russia.Count.WorkingDays, russia.Count.Cap));
    }

    [Fact]
    public void Planning_the_same_commitment_twice_gives_the_same_task_ids()
    {
        var first = Plan(Buses(coExecutors: ["belkommunmash"])).Tasks.Select(t => t.Id).ToList();
        var second = Plan(Buses(coExecutors: ["belkommunmash"])).Tasks.Select(t => t.Id).ToList();

        Assert.Equal(first, second);
        Assert.Equal(first.Count, first.Distinct().Count());
    }

    [Fact]
    public void A_lead_task_keeps_its_id_when_the_lead_changes()
    {
        var maz = Plan(Buses()).Tasks[0];
        var mtz = Plan(Buses() with { Lead = "mtz" }).Tasks[0];

        Assert.Equal(maz.Id, mtz.Id);
        Assert.Equal("mtz", mtz.ResponsibleOrg);
    }

    [Fact]
    public void Broken_playbooks_are_refused_with_the_reason()
    {
        var cycle = new Playbook("other", [new PlaybookStep("a", "A", "lead", 1, ["b"]), new PlaybookStep("b", "B", "lead", 1, ["a"])]);
        var role = new Playbook("other", [new PlaybookStep("a", "A", "minister", 1)]);

        Assert.Contains("predecessor 'b'", Assert.Throws<InvalidDataException>(() => new PlaybookLibrary([cycle])).Message, StringComparison.Ordinal);
        Assert.Contains("role 'minister'", Assert.Throws<InvalidDataException>(() => new PlaybookLibrary([role])).Message, StringComparison.Ordinal);
    }
}
