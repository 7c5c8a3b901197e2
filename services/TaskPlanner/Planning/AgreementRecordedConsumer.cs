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
/// plan, written last, carries <see cref="AgreementPlanned"/> and the agreement's assignments (<see cref="TasksAssigned"/>):
/// a crash before it leaves nothing told, and the redelivery tells all of them as they were stored.
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
        // Their assignments are told in one message from the plan below, not one from each task, unless there are too many.
        var created = commitmentPlans.SelectMany(p => p.Tasks).Select(task => FollowupTask.Create(task, agreement.Version, now, announced: true)).ToList();
        var assigned = created.Where(t => t.Status == TaskStatus.Assigned).ToList();
        var together = assigned.Count <= AgreementPlan.MaxAssignedTogether;
        if (!together)
        {
            assigned.ForEach(t => t.RaiseAssigned(now));
        }

        // One write for the agreement's tasks; ids are deterministic, so on a redelivery the ones stored already are skipped.
        var stored = await tasks.InsertMany(created, context.CancellationToken);

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

        // Planned first: should the notifier's part keep failing (standalone runs it inline), capture still hears.
        plan.Raise(new AgreementPlanned(agreement.AgreementId, agreement.Version, now), AgreementPlan.PlannedMessageId(agreement.AgreementId, agreement.Version));
        if (together && assigned.Count > 0)
        {
            // A redelivery tells the tasks an earlier attempt stored as they are stored, not as planned again now.
            var told = stored.All(s => s) ? assigned : await AsStored(assigned, context.CancellationToken);
            plan.Raise(
                new TasksAssigned(agreement.AgreementId, agreement.Version, told.Select(t => t.Assignment(t.CreatedAt)).ToList(), now),
                AgreementPlan.AssignedMessageId(agreement.AgreementId, agreement.Version));
        }

        await plans.Insert(plan, context.CancellationToken);
    }

    /// <summary>The stored copies of <paramref name="planned"/>, but for any cancelled since.</summary>
    private async Task<List<FollowupTask>> AsStored(List<FollowupTask> planned, CancellationToken cancellationToken)
    {
        var ids = planned.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var agreementId = planned[0].AgreementId;
        return (await tasks.Query(t => t.AgreementId == agreementId, 100_000, cancellationToken: cancellationToken))
            .Where(t => ids.Contains(t.Id) && t.Status != TaskStatus.Cancelled)
            .ToList();
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
