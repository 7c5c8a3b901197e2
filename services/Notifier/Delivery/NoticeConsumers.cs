using Followups.Contracts;
using Followups.Notifier.Directory;
using Followups.ServiceDefaults;
using Followups.Storage;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Followups.Notifier.Delivery;

/// <summary>
/// The shell around the decisions: loads the organisations an event concerns, decides its notices, stores each with the
/// close of its recipient's digest window. Ids come from the event, so a redelivery finds them stored and adds nothing.
/// </summary>
public sealed class NoticeRecorder(GroupedInserts<Notification> notifications, IDocumentStore<Organisation> directory, TimeProvider clock, IOptions<NotifierOptions> options)
{
    public async Task Record(
        IEnumerable<string> organisations,
        Func<IReadOnlyDictionary<string, Recipient>, IReadOnlyList<Notice>> decide,
        CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, Organisation>(StringComparer.Ordinal);
        foreach (var id in organisations.Distinct())
        {
            if (await directory.Find(id, cancellationToken) is { } organisation)
            {
                found[id] = organisation;
            }
        }

        // Their direct supervisors too: an escalation is told to the responsible organisation's supervisor.
        foreach (var supervisor in found.Values.Select(o => o.SupervisorId).OfType<string>().Distinct().ToList())
        {
            if (!found.ContainsKey(supervisor) && await directory.Find(supervisor, cancellationToken) is { } organisation)
            {
                found[supervisor] = organisation;
            }
        }

        var now = clock.GetUtcNow();
        var settle = options.Value.Delivery.SettleDelay;
        var decided = decide(found.ToDictionary(o => o.Key, o => Recipient.From(o.Value)));
        // One batch write for all of an event's notices, shared with the events recorded at the same time. An id stored
        // already is skipped: a redelivered event adds nothing.
        await notifications.Insert(
            decided.Select(notice => new Notification
            {
                Id = notice.Id,
                Source = notice.Source,
                Kind = notice.Facts.Kind,
                RecipientOrg = notice.RecipientOrg,
                Channel = notice.Channel,
                Audience = notice.Audience,
                Facts = notice.Facts,
                AgreementId = notice.Facts.AgreementId,
                TaskId = notice.Facts.TaskId,
                Status = NotificationStatus.Pending,
                DueAt = DigestWindows.DueAt(found.GetValueOrDefault(notice.RecipientOrg)?.Digest ?? new DigestPreference(), notice.Channel, now, settle),
                CreatedAt = now,
            }).ToList(),
            cancellationToken);
    }
}

/// <summary>Summarises a recorded agreement for each organisation it names.</summary>
public sealed class AgreementRecordedNoticeConsumer(NoticeRecorder recorder) : IConsumer<AgreementRecorded>
{
    public Task Consume(ConsumeContext<AgreementRecorded> context) =>
        recorder.Record(NoticeRules.Involved(context.Message.Commitments), d => NoticeRules.ForAgreementRecorded(context.Message, d), context.CancellationToken);
}

/// <summary>Summarises an amendment for each organisation named in what it added or changed.</summary>
public sealed class AgreementAmendedNoticeConsumer(NoticeRecorder recorder) : IConsumer<AgreementAmended>
{
    public Task Consume(ConsumeContext<AgreementAmended> context) =>
        recorder.Record(
            NoticeRules.Involved(context.Message.Added.Concat(context.Message.Changed)),
            d => NoticeRules.ForAgreementAmended(context.Message, d),
            context.CancellationToken);
}

/// <summary>Tells the responsible organisation of a newly assigned task.</summary>
public sealed class TaskAssignedConsumer(NoticeRecorder recorder) : IConsumer<TaskAssigned>
{
    public Task Consume(ConsumeContext<TaskAssigned> context) =>
        recorder.Record([context.Message.ResponsibleOrg], d => NoticeRules.ForTaskAssigned(context.Message, d), context.CancellationToken);
}

/// <summary>Tells each responsible organisation of the tasks a new agreement's plan assigned it, from one message for them all.</summary>
public sealed class TasksAssignedConsumer(NoticeRecorder recorder) : IConsumer<TasksAssigned>
{
    public Task Consume(ConsumeContext<TasksAssigned> context) =>
        recorder.Record(
            context.Message.Tasks.Select(t => t.ResponsibleOrg),
            d => context.Message.Tasks.SelectMany(t => NoticeRules.ForTaskAssigned(t, d)).ToList(),
            context.CancellationToken);
}

/// <summary>Reminds the responsible organisation of a near deadline.</summary>
public sealed class TaskDueSoonConsumer(NoticeRecorder recorder) : IConsumer<TaskDueSoon>
{
    public Task Consume(ConsumeContext<TaskDueSoon> context) =>
        recorder.Record([context.Message.ResponsibleOrg], d => NoticeRules.ForTaskDueSoon(context.Message, d), context.CancellationToken);
}

/// <summary>Tells the responsible organisation that its task is overdue.</summary>
public sealed class TaskOverdueConsumer(NoticeRecorder recorder) : IConsumer<TaskOverdue>
{
    public Task Consume(ConsumeContext<TaskOverdue> context) =>
        recorder.Record([context.Message.ResponsibleOrg], d => NoticeRules.ForTaskOverdue(context.Message, d), context.CancellationToken);
}

/// <summary>Reports an escalated task to the supervisor and the controller.</summary>
public sealed class TaskEscalatedConsumer(NoticeRecorder recorder) : IConsumer<TaskEscalated>
{
    public Task Consume(ConsumeContext<TaskEscalated> context) =>
        recorder.Record(
            new[] { context.Message.ResponsibleOrg, context.Message.Controller }.OfType<string>(),
            d => NoticeRules.ForTaskEscalated(context.Message, d),
            context.CancellationToken);
}

/// <summary>Tells the requesting organisation how its extension request was decided.</summary>
public sealed class TaskExtensionDecidedConsumer(NoticeRecorder recorder) : IConsumer<TaskExtensionDecided>
{
    public Task Consume(ConsumeContext<TaskExtensionDecided> context) =>
        recorder.Record([context.Message.ResponsibleOrg], d => NoticeRules.ForExtensionDecided(context.Message, d), context.CancellationToken);
}

/// <summary>Tells the organisation that held a task that it was cancelled.</summary>
public sealed class TaskCancelledNoticeConsumer(NoticeRecorder recorder) : IConsumer<TaskCancelled>
{
    public Task Consume(ConsumeContext<TaskCancelled> context) =>
        recorder.Record([context.Message.ResponsibleOrg], d => NoticeRules.ForTaskCancelled(context.Message, d), context.CancellationToken);
}

/// <summary>Queue and failure policy shared by the notice consumers: each on its own queue, with the project's retries.</summary>
public abstract class NoticeConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    protected NoticeConsumerDefinition(string queue) => EndpointName = queue;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseFollowupsRetry(context);
}

public sealed class AgreementRecordedNoticeConsumerDefinition() : NoticeConsumerDefinition<AgreementRecordedNoticeConsumer>("notifier-agreement-recorded");

public sealed class AgreementAmendedNoticeConsumerDefinition() : NoticeConsumerDefinition<AgreementAmendedNoticeConsumer>("notifier-agreement-amended");

public sealed class TaskAssignedConsumerDefinition() : NoticeConsumerDefinition<TaskAssignedConsumer>("notifier-task-assigned");

public sealed class TasksAssignedConsumerDefinition() : NoticeConsumerDefinition<TasksAssignedConsumer>("notifier-tasks-assigned");

public sealed class TaskDueSoonConsumerDefinition() : NoticeConsumerDefinition<TaskDueSoonConsumer>("notifier-task-due-soon");

public sealed class TaskOverdueConsumerDefinition() : NoticeConsumerDefinition<TaskOverdueConsumer>("notifier-task-overdue");

public sealed class TaskEscalatedConsumerDefinition() : NoticeConsumerDefinition<TaskEscalatedConsumer>("notifier-task-escalated");

public sealed class TaskExtensionDecidedConsumerDefinition() : NoticeConsumerDefinition<TaskExtensionDecidedConsumer>("notifier-task-extension-decided");

public sealed class TaskCancelledNoticeConsumerDefinition() : NoticeConsumerDefinition<TaskCancelledNoticeConsumer>("notifier-task-cancelled");
