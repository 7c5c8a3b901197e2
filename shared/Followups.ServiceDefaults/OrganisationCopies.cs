using Followups.Contracts;
using Followups.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Followups.ServiceDefaults;

/// <summary>
/// A service's own read copy of a directory organisation, kept from <see cref="OrganisationChanged"/> events.
/// Each service derives its own type, so that in one standalone process each keeps its copy in its own database.
/// </summary>
public abstract class OrganisationCopy : AggregateDocument
{
    public int Revision { get; set; }
    public string Name { get; set; } = "";
    public string Country { get; set; } = "";
    public string Kind { get; set; } = "";
}

/// <summary>Keeps the read copy current; older or repeated revisions change nothing.</summary>
public sealed class OrganisationCopyConsumer<TCopy>(IDocumentStore<TCopy> copies) : IConsumer<OrganisationChanged>
    where TCopy : OrganisationCopy, new()
{
    public Task Consume(ConsumeContext<OrganisationChanged> context) => copies.Upsert(context.Message, context.CancellationToken);
}

public sealed class OrganisationCopyConsumerDefinition<TCopy> : ConsumerDefinition<OrganisationCopyConsumer<TCopy>>
    where TCopy : OrganisationCopy, new()
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<OrganisationCopyConsumer<TCopy>> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseFollowupsRetry(context);
}

/// <summary>The directory as a service sees it: its read copy first, the directory's owner on a miss.</summary>
public sealed class OrganisationLookup<TCopy>(IDocumentStore<TCopy> copies, IRequestClient<FindOrganisations> owner)
    where TCopy : OrganisationCopy, new()
{
    /// <summary>
    /// The ids among <paramref name="ids"/> that the directory does not hold. A copy that lags behind must not make a
    /// just-registered organisation look unknown, so misses are asked of the owner before they are reported.
    /// </summary>
    /// <exception cref="RequestTimeoutException">The owner did not answer in time.</exception>
    public async Task<IReadOnlyList<string>> FindUnknown(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (await copies.Find(id, cancellationToken) is null)
            {
                missing.Add(id);
            }
        }

        if (missing.Count == 0)
        {
            return missing;
        }

        var answer = await owner.GetResponse<OrganisationsFound>(new FindOrganisations(missing), cancellationToken);
        foreach (var organisation in answer.Message.Organisations)
        {
            await copies.Upsert(organisation, cancellationToken);
        }

        var found = answer.Message.Organisations.Select(o => o.OrganisationId).ToHashSet(StringComparer.Ordinal);
        return missing.Where(id => !found.Contains(id)).ToList();
    }
}

public static class OrganisationCopies
{
    /// <summary>Registers the read copy <typeparamref name="TCopy"/> in <paramref name="database"/>, its consumer on queue <paramref name="queue"/>, and the lookup.</summary>
    public static IHostApplicationBuilder AddOrganisationCopy<TCopy>(this IHostApplicationBuilder builder, string database, string queue)
        where TCopy : OrganisationCopy, new()
    {
        builder.Services.AddDocumentStore<TCopy>(database, "organisations");
        // Scoped: it holds a request client, which MassTransit registers per scope.
        builder.Services.AddScoped<OrganisationLookup<TCopy>>();
        builder.AddConsumers(x =>
        {
            x.AddConsumer<OrganisationCopyConsumer<TCopy>>(typeof(OrganisationCopyConsumerDefinition<TCopy>)).Endpoint(e => e.Name = queue);
            x.AddRequestClient<FindOrganisations>(RequestTimeout.After(s: 10));
        });
        return builder;
    }

    internal static async Task Upsert<TCopy>(this IDocumentStore<TCopy> copies, OrganisationChanged changed, CancellationToken cancellationToken)
        where TCopy : OrganisationCopy, new()
    {
        while (true)
        {
            var copy = await copies.Find(changed.OrganisationId, cancellationToken);
            if (copy is not null && copy.Revision >= changed.Revision)
            {
                return;
            }

            var updated = copy ?? new TCopy { Id = changed.OrganisationId };
            (updated.Revision, updated.Name, updated.Country, updated.Kind) = (changed.Revision, changed.Name, changed.Country, changed.Kind);
            if (copy is null ? await copies.Insert(updated, cancellationToken) : await copies.Replace(updated, cancellationToken))
            {
                return;
            }
        }
    }
}
