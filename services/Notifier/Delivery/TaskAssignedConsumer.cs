using Followups.Contracts;
using Followups.Notifier.Directory;
using Followups.ServiceDefaults;
using Followups.Storage;
using MassTransit;

namespace Followups.Notifier.Delivery;

/// <summary>Records the notice for a newly assigned task. Its id comes from the event, so a redelivery stores nothing new.</summary>
public sealed class TaskAssignedConsumer(IDocumentStore<Notification> notifications, IDocumentStore<Organisation> directory, TimeProvider clock)
    : IConsumer<TaskAssigned>
{
    public async Task Consume(ConsumeContext<TaskAssigned> context)
    {
        var assigned = context.Message;
        var recipient = await directory.Find(assigned.ResponsibleOrg, context.CancellationToken);
        var notice = NoticeRules.ForTaskAssigned(assigned, recipient?.Emails ?? []);
        await notifications.Insert(
            new Notification
            {
                Id = notice.Id,
                Source = notice.Source,
                RecipientOrg = notice.RecipientOrg,
                Channel = notice.Channel,
                Addresses = [.. notice.Addresses],
                Subject = notice.Subject,
                Body = notice.Body,
                AgreementId = assigned.AgreementId,
                TaskId = assigned.TaskId,
                Status = NotificationStatus.Recorded,
                CreatedAt = clock.GetUtcNow(),
            },
            context.CancellationToken);
    }
}

public sealed class TaskAssignedConsumerDefinition : ConsumerDefinition<TaskAssignedConsumer>
{
    public TaskAssignedConsumerDefinition() => EndpointName = "notifier-task-assigned";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TaskAssignedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseFollowupsRetry(context);
}
