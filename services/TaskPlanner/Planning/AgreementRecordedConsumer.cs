using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.Storage;
using Followups.TaskPlanner.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.TaskPlanner.Planning;

/// <summary>
/// Plans the tasks of a newly recorded agreement. Task ids are deterministic, so a redelivery skips what exists. The
/// plan, written last, carries the agreement's assignments (<see cref="TasksAssigned"/>) and <see cref="AgreementPlanned"/>:
/// a crash before it leaves nothing told, and the redelivery tells all of them.
/// </summary>
public sealed class AgreementRecordedConsumer(
    IDocumentStore<FollowupTask> tasks, IDocumentStore<AgreementPlan> plans, PlanningContext planning, TimeProvider clock)
    : IConsumer<AgreementRecorded>
{
    public async Task Consume(ConsumeContext<AgreementRecorded> context)
    {
        var agreement = context.Message;
        if (await plans.Find(agreement.AgreementId, context.CancellationToken) is not null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var planContext = await planning.For(agreement.AgreementId, agreement.ConcludedOn, agreement.Commitments, context.CancellationToken);
        var commitmentPlans = Planner.Plan(planContext, agreement.Commitments, planning.Playbooks);
        // One write for the agreement's tasks; ids are deterministic, so on a redelivery the ones stored already are skipped.
        // Their assignments are told in one message from the plan below, not one from each task.
        var created = commitmentPlans.SelectMany(p => p.Tasks).Select(task => FollowupTask.Create(task, agreement.Version, now, announced: true)).ToList();
        await tasks.InsertMany(created, context.CancellationToken);

        var plan = new AgreementPlan
        {
            Id = agreement.AgreementId,
            AppliedVersion = agreement.Version,
            // After the tasks' write: the moment every task of the version is stored.
            PlannedAt = clock.GetUtcNow(),
            ConcludedOn = agreement.ConcludedOn,
        };
        foreach (var (commitment, commitmentPlan) in agreement.Commitments.Zip(commitmentPlans))
        {
            plan.Remember(commitment, commitmentPlan.Compressed);
        }

        var assigned = created.Where(t => t.Status == TaskStatus.Assigned).Select(t => t.Assignment(now)).ToList();
        if (assigned.Count > 0)
        {
            plan.Raise(new TasksAssigned(agreement.AgreementId, agreement.Version, assigned, now), AgreementPlan.AssignedMessageId(agreement.AgreementId, agreement.Version));
        }

        plan.Raise(new AgreementPlanned(agreement.AgreementId, agreement.Version, now), AgreementPlan.PlannedMessageId(agreement.AgreementId, agreement.Version));
        await plans.Insert(plan, context.CancellationToken);
    }
}

public sealed class AgreementRecordedConsumerDefinition : ConsumerDefinition<AgreementRecordedConsumer>
{
    public AgreementRecordedConsumerDefinition() => EndpointName = "task-planner-agreement-recorded";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<AgreementRecordedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.ConcurrentMessageLimit = Math.Max(context.GetRequiredService<IOptions<PlannerOptions>>().Value.ConcurrentPlans, 1);
        endpointConfigurator.UseFollowupsRetry(context);
    }
}
