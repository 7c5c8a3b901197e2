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

namespace Followups.UnitTests;

/// <summary>
/// An agreement's plan says when its tasks were stored: the time read after their write, not before it. The benchmark
/// times the store by it, so a time read too early would flatter the planner.
/// </summary>
public sealed class PlannedAtTests : IDisposable
{
    private readonly PlannerStores _stores = new("planned-at", TaskPlannerModule.TaskIndexes);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task The_plan_of_a_new_agreement_is_dated_after_its_tasks_were_written()
    {
        // On this clock, writing the tasks takes a minute.
        var tasks = ClockedWrites.Around(_stores.Tasks, _clock, TimeSpan.FromMinutes(1));
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
        var before = _clock.GetUtcNow();

        await harness.Bus.Publish(new AgreementRecorded(
            "agr-1", 1, "Belarus–Kirov talks", new DateOnly(2026, 11, 20), [],
            [new AgreedCommitment("buses", "Renew the bus fleet", "passenger-transport", "supply", "maz", [], null)], before));

        Assert.True(await harness.GetConsumerHarness<AgreementRecordedConsumer>().Consumed.Any<AgreementRecorded>());
        var stored = await _stores.Tasks.Query(t => t.AgreementId == "agr-1", 100);
        Assert.NotEmpty(stored);
        Assert.All(stored, t => Assert.Equal(before, t.CreatedAt));
        Assert.Equal(before.AddMinutes(1), (await plans.Find("agr-1"))!.PlannedAt);
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
