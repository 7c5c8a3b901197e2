using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.Storage;
using Followups.TaskPlanner.Tasks;
using MassTransit;

namespace Followups.TaskPlanner.Planning;

/// <summary>
/// Replans an amended agreement: plans added commitments, cancels the open tasks of cancelled ones, re-assigns and
/// re-dates the open tasks of changed ones. The plan document's applied version makes a replayed amendment a no-op;
/// each task's own version stamp does the same for the tasks a crashed attempt already wrote.
/// </summary>
public sealed class AgreementAmendedConsumer(
    IDocumentStore<FollowupTask> tasks, IDocumentStore<AgreementPlan> plans, PlanningContext planning, TimeProvider clock)
    : IConsumer<AgreementAmended>
{
    public async Task Consume(ConsumeContext<AgreementAmended> context)
    {
        var amendment = context.Message;
        var ct = context.CancellationToken;
        var plan = await plans.Find(amendment.AgreementId, ct)
            // The agreement itself is not planned yet (its event is late or still retrying): try again later.
            ?? throw new InvalidOperationException($"Agreement {amendment.AgreementId} is not planned yet; amendment {amendment.Version} waits.");
        if (amendment.Version <= plan.AppliedVersion)
        {
            return;
        }

        if (amendment.Version > plan.AppliedVersion + 1)
        {
            // Amendments carry changes, not whole agreements: applying one before its predecessor would lose the latter.
            throw new InvalidOperationException($"Agreement {amendment.AgreementId} is at version {plan.AppliedVersion}; amendment {amendment.Version} waits for the ones before it.");
        }

        var now = clock.GetUtcNow();
        var actor = string.IsNullOrWhiteSpace(amendment.AmendedBy) ? "anonymous" : amendment.AmendedBy;
        var reason = $"amendment {amendment.Version} of the agreement";
        var planContext = await planning.For(amendment.AgreementId, plan.ConcludedOn, amendment.Added.Concat(amendment.Changed), ct);

        foreach (var commitment in amendment.Added.Concat(amendment.Changed))
        {
            var previous = plan.Commitments.FirstOrDefault(c => c.Key == commitment.Key);
            var redate = previous is null || previous.DueDate != commitment.DueDate || previous.Urgency != commitment.Urgency;
            var commitmentPlan = Planner.Plan(planContext, commitment, planning.Playbooks.For(commitment.Kind));
            await Apply(amendment, commitment.Key, commitmentPlan, redate, reason, actor, now, ct);
            plan.Remember(commitment, commitmentPlan.Compressed);
        }

        foreach (var cancelled in amendment.Cancelled)
        {
            await Apply(amendment, cancelled.Key, null, false, $"commitment cancelled by {reason}: {cancelled.Reason}", actor, now, ct);
            if (plan.Commitments.FirstOrDefault(c => c.Key == cancelled.Key) is { } known)
            {
                known.Cancelled = true;
            }
        }

        plan.AppliedVersion = amendment.Version;
        plan.PlannedAt = clock.GetUtcNow();
        plan.Raise(new AgreementPlanned(amendment.AgreementId, amendment.Version, now), AgreementPlan.PlannedMessageId(amendment.AgreementId, amendment.Version));
        if (!await plans.Replace(plan, ct))
        {
            // Another instance applied this amendment meanwhile; our task writes were no-ops or equal to its own.
            throw new InvalidOperationException($"Plan of {amendment.AgreementId} changed concurrently; retrying amendment {amendment.Version}.");
        }
    }

    private async Task Apply(
        AgreementAmended amendment, string commitmentKey, CommitmentPlan? commitmentPlan, bool redate, string reason, string actor,
        DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var existing = await tasks.Query(t => t.AgreementId == amendment.AgreementId && t.CommitmentKey == commitmentKey, 10_000, cancellationToken: ct);
            var result = Replanner.Apply(existing, commitmentPlan, redate, amendment.Version, reason, actor, now);
            await tasks.InsertMany(result.Added.ToList(), ct);

            var stale = false;
            // Latest steps first, one at a time: a successor is cancelled before its predecessor's TaskCancelled could release it.
            foreach (var task in result.Changed.AsEnumerable().Reverse())
            {
                stale |= !await tasks.Replace(task, ct);
            }

            // A task changed under us (someone accepted it, say): replan on the fresh state; handled tasks carry the version.
            if (!stale)
            {
                return;
            }
        }

        throw new InvalidOperationException($"Tasks of {amendment.AgreementId}/{commitmentKey} kept changing; retrying amendment {amendment.Version}.");
    }
}

public sealed class AgreementAmendedConsumerDefinition : ConsumerDefinition<AgreementAmendedConsumer>
{
    public AgreementAmendedConsumerDefinition() => EndpointName = "task-planner-agreement-amended";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<AgreementAmendedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseFollowupsRetry(context);
}
