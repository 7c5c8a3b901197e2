using System.Reflection;
using Followups.Contracts;
using Followups.Storage;
using Followups.TaskPlanner;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Planning;
using Followups.TaskPlanner.Tasks;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.UnitTests;

/// <summary>
/// What the planner stores for a newly recorded agreement, on a MassTransit test harness over LiteDB: the plan says when
/// its tasks were stored (the benchmark times the store by it, so a time read too early would flatter the planner), and
/// it carries the tasks' assignments in one message.
/// </summary>
public sealed class AgreementRecordedConsumerTests : IDisposable
{
    private readonly PlannerStores _stores = new("agreement-recorded", TaskPlannerModule.TaskIndexes);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task The_plan_of_a_new_agreement_is_dated_after_its_tasks_were_written()
    {
        // On this clock, writing the tasks takes a minute.
        var before = _clock.GetUtcNow();
        var plans = await Plan(ClockedWrites.Around(_stores.Tasks, _clock, TimeSpan.FromMinutes(1)), Buses);

        var stored = await _stores.Tasks.Query(t => t.AgreementId == "agr-1", 100);
        Assert.NotEmpty(stored);
        Assert.All(stored, t => Assert.Equal(before, t.CreatedAt));
        Assert.Equal(before.AddMinutes(1), (await plans.Find("agr-1"))!.PlannedAt);
    }

    [Fact]
    public async Task The_plan_tells_every_task_assigned_at_once_in_one_message_and_the_tasks_raise_none_of_their_own()
    {
        var plans = await Plan(_stores.Tasks, Buses, new AgreedCommitment("lifts", "Modernise lifts", "housing", "joint-project", "bkm", ["kirov-housing"], null));

        var stored = await _stores.Tasks.Query(t => t.AgreementId == "agr-1", 100);
        Assert.All(stored, t => Assert.Empty(t.Pending));
        var assigned = stored.Where(t => t.Status == TaskStatus.Assigned).ToList();
        Assert.NotEmpty(assigned);
        Assert.Contains(stored, t => t.Status == TaskStatus.Planned); // a step after another waits, and is told when assigned

        var plan = (await plans.Find("agr-1"))!;
        Assert.Equal(new[] { typeof(AgreementPlanned), typeof(TasksAssigned) }, plan.Pending.Select(e => e.Materialise().Type));
        Assert.Equal(AgreementPlan.AssignedMessageId("agr-1", 1), plan.Pending[1].MessageId);
        var told = Told(plan);
        Assert.Equal(("agr-1", 1), (told.AgreementId, told.AgreementVersion));
        AssertTells(assigned, told);
        Assert.All(told.Tasks, t => Assert.Equal(_clock.GetUtcNow(), t.AssignedAt));
    }

    [Fact]
    public async Task A_redelivery_after_a_crash_before_the_plan_tells_the_tasks_as_the_first_attempt_stored_them()
    {
        var first = _clock.GetUtcNow();
        await Plan(_stores.Tasks, Buses);
        _stores.Planner.GetCollection("plans").DeleteAll(); // the crash: the tasks are stored, the plan is not
        _clock.Advance(TimeSpan.FromDays(3));

        var plans = await Plan(_stores.Tasks, Buses);

        var stored = await _stores.Tasks.Query(t => t.AgreementId == "agr-1", 100);
        Assert.All(stored, t => Assert.Equal(first, t.CreatedAt));
        var told = Told((await plans.Find("agr-1"))!);
        AssertTells(stored.Where(t => t.Status == TaskStatus.Assigned), told);
        Assert.All(told.Tasks, t => Assert.Equal(first, t.AssignedAt));
    }

    [Fact]
    public async Task An_agreement_assigning_more_tasks_than_one_message_tells_lets_each_task_tell_its_own()
    {
        // Each commitment: the lead's proposal and 49 co-executors' contributions to it, all assigned at once.
        var commitments = Enumerable.Range(0, AgreementPlan.MaxAssignedTogether / 50 + 1).Select(i => Buses with
        {
            Key = $"buses-{i}", CoExecutors = Enumerable.Range(0, 49).Select(j => $"co-{j}").ToList(),
        }).ToArray();

        var plans = await Plan(_stores.Tasks, commitments);

        var assigned = (await _stores.Tasks.Query(t => t.AgreementId == "agr-1", 10_000)).Where(t => t.Status == TaskStatus.Assigned).ToList();
        Assert.True(assigned.Count > AgreementPlan.MaxAssignedTogether, $"{assigned.Count} assigned");
        Assert.All(assigned, t => Assert.Equal(typeof(TaskAssigned), Assert.Single(t.Pending).Materialise().Type));
        Assert.Equal(typeof(AgreementPlanned), Assert.Single((await plans.Find("agr-1"))!.Pending).Materialise().Type);
    }

    private static TasksAssigned Told(AgreementPlan plan) =>
        (TasksAssigned)plan.Pending.Single(e => e.Materialise().Type == typeof(TasksAssigned)).Materialise().Message;

    private static void AssertTells(IEnumerable<FollowupTask> tasks, TasksAssigned told) =>
        Assert.Equal(
            tasks.Select(t => (t.Id, t.ResponsibleOrg, t.Title, t.DueDate, t.CommitmentKey)).OrderBy(t => t.Item1),
            told.Tasks.Select(t => (t.TaskId, t.ResponsibleOrg, t.Title, t.DueDate, t.CommitmentKey)).OrderBy(t => t.Item1));

    private static readonly AgreedCommitment Buses = new("buses", "Renew the bus fleet", "passenger-transport", "supply", "maz", [], null);

    /// <summary>Records agreement <c>agr-1</c> with <paramref name="commitments"/> through the consumer on a test harness.</summary>
    private async Task<IDocumentStore<AgreementPlan>> Plan(IDocumentStore<FollowupTask> tasks, params AgreedCommitment[] commitments)
    {
        var plans = new LiteDbDocumentStore<AgreementPlan>(_stores.Planner, "plans", []);
        var services = new ServiceCollection()
            .AddSingleton(tasks)
            .AddSingleton<IDocumentStore<AgreementPlan>>(plans)
            .AddSingleton(new PlanningContext(PlannerTests.Playbooks, NationalCalendars.Embedded, _stores.Organisations, Options.Create(new PlannerOptions()), _clock))
            .AddSingleton<TimeProvider>(_clock)
            .AddMassTransitTestHarness(x => x.AddConsumer<AgreementRecordedConsumer>());
        await using var provider = services.BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        await harness.Bus.Publish(new AgreementRecorded("agr-1", 1, "Belarus–Kirov talks", new DateOnly(2026, 11, 20), [], commitments, _clock.GetUtcNow()));

        Assert.True(await harness.GetConsumerHarness<AgreementRecordedConsumer>().Consumed.Any<AgreementRecorded>());
        return plans;
    }

    public void Dispose() => _stores.Dispose();
}

/// <summary>A task store whose writes of several tasks move a fake clock on by <see cref="Step"/> as they start.</summary>
public class ClockedWrites : DispatchProxy
{
    private IDocumentStore<FollowupTask> _inner = null!;
    private FakeTimeProvider _clock = null!;

    public TimeSpan Step { get; private set; }

    public static IDocumentStore<FollowupTask> Around(IDocumentStore<FollowupTask> inner, FakeTimeProvider clock, TimeSpan step)
    {
        var proxy = Create<IDocumentStore<FollowupTask>, ClockedWrites>();
        var clocked = (ClockedWrites)(object)proxy;
        (clocked._inner, clocked._clock, clocked.Step) = (inner, clock, step);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod!.Name == nameof(IDocumentStore<FollowupTask>.InsertMany))
        {
            _clock.Advance(Step);
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
