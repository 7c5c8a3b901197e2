using Followups.Contracts;
using Followups.ServiceDefaults;
using Followups.Storage;
using MassTransit;

namespace Followups.Notifier.Directory;

/// <summary>Answers another service's question about organisations its read copy does not hold yet.</summary>
public sealed class FindOrganisationsConsumer(IDocumentStore<Organisation> store) : IConsumer<FindOrganisations>
{
    public async Task Consume(ConsumeContext<FindOrganisations> context)
    {
        var found = new List<OrganisationChanged>();
        foreach (var id in context.Message.OrganisationIds.Distinct().Take(200))
        {
            if (await store.Find(id, context.CancellationToken) is { } organisation)
            {
                found.Add(organisation.ToEvent());
            }
        }

        await context.RespondAsync(new OrganisationsFound(found));
    }
}

public sealed class FindOrganisationsConsumerDefinition : ConsumerDefinition<FindOrganisationsConsumer>
{
    public FindOrganisationsConsumerDefinition() => EndpointName = "notifier-find-organisations";

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<FindOrganisationsConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseFollowupsRetry(context);
}
