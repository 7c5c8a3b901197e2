using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.Storage;
using Followups.TaskPlanner.Tasks;
using MassTransit;
using TaskStatus = Followups.TaskPlanner.Tasks.TaskStatus;

namespace Followups.TaskPlanner.Planning;

/// <summary>
/// When a task closes (done or cancelled), assigns the planned tasks that were waiting only for closed tasks. Driven by
/// the closing task's own outbox event, so a crash between the two writes is healed by the redelivery.
/// </summary>
public sealed class SuccessorConsumer(IDocumentStore<FollowupTask> tasks, TimeProvider clock) : IConsumer<TaskCompleted>, IConsumer<TaskCancelled>
{
    public Task Consume(ConsumeContext<TaskCompleted> context) => Release(context.Message.AgreementId, context.Message.CommitmentKey, context.CancellationToken);

    public Task Consume(ConsumeContext<TaskCancelled> context) => Release(context.Message.AgreementId, context.Message.CommitmentKey, context.CancellationToken);

    private async Task Release(string agreementId, string commitmentKey, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var all = await tasks.Query(t => t.AgreementId == agreementId && t.CommitmentKey == commitmentKey, 10_000, cancellationToken: cancellationToken);
            var ready = Successors.Ready(all);
            foreach (var task in ready)
            {
                task.MarkAssigned(clock.GetUtcNow(), "planner");
            }

            var stale = (await tasks.ReplaceMany(ready, cancellationToken)).Contains(false);

            // A version mismatch means someone else changed the task meanwhile (maybe assigned it): look again.
            if (!stale)
            {
                return;
            }
        }

        throw new InvalidOperationException($"Successors of {agreementId}/{commitmentKey} kept changing; retrying the message.");
    }
}

/// <summary>Which planned tasks may start.</summary>
public static class Successors
{
    /// <summary>The planned, open tasks among <paramref name="commitmentTasks"/> whose predecessors are all done or cancelled.</summary>
    public static IReadOnlyList<FollowupTask> Ready(IReadOnlyList<FollowupTask> commitmentTasks)
    {
        var closed = commitmentTasks.Where(t => t.Status is TaskStatus.Done or TaskStatus.Cancelled).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        return commitmentTasks
            .Where(t => t.Status == TaskStatus.Planned && !t.OffControl && t.WaitingFor.All(closed.Contains))
            .ToList();
    }
}

public sealed class SuccessorConsumerDefinition : ConsumerDefinition<SuccessorConsumer>
{
    public SuccessorConsumerDefinition() => EndpointName = "task-planner-successors";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<SuccessorConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseFollowupsRetry(context);
}
