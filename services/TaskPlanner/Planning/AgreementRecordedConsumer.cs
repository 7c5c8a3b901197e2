using Followups.Contracts;
using Followups.Storage;
using Followups.TaskPlanner.Calendars;
using Followups.TaskPlanner.Tasks;
using MassTransit;
using Followups.ServiceDefaults;

namespace Followups.TaskPlanner.Planning;

/// <summary>Plans the tasks of a newly recorded agreement. Task ids are deterministic, so a redelivery skips what exists.</summary>
public sealed class AgreementRecordedConsumer(IDocumentStore<FollowupTask> tasks, WorkingCalendar calendar, TimeProvider clock)
    : IConsumer<AgreementRecorded>
{
    public async Task Consume(ConsumeContext<AgreementRecorded> context)
    {
        var now = clock.GetUtcNow();
        foreach (var planned in Planner.Plan(context.Message, calendar))
        {
            await tasks.Insert(FollowupTask.Assign(planned, now), context.CancellationToken);
        }
    }
}

public sealed class AgreementRecordedConsumerDefinition : ConsumerDefinition<AgreementRecordedConsumer>
{
    public AgreementRecordedConsumerDefinition() => EndpointName = "task-planner-agreement-recorded";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<AgreementRecordedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseFollowupsRetry(context);
}
