using Followups.ServiceDefaults;
using Followups.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Followups.Notifier.Directory;

/// <summary>HTTP API of the organisation directory.</summary>
public static class OrganisationEndpoints
{
    public static void MapOrganisations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/organisations").WithTags("Organisations");
        group.MapPut("/{id}", Put);
        group.MapGet("/{id}", Get);
        group.MapGet("/", List);
    }

    internal static async Task<Results<Created<OrganisationView>, Ok<OrganisationView>, ValidationProblem, Conflict>> Put(
        string id, OrganisationRequest? request, IDocumentStore<Organisation> store, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var details = OrganisationRules.Validate(id, request, errors);
        if (details is null)
        {
            return errors.ToBadRequest();
        }

        // A concurrent PUT of the same id: reload and apply again, a few times, before giving up with 409.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await store.Find(id, cancellationToken);
            var organisation = existing ?? new Organisation { Id = id };
            if (!organisation.Apply(details, clock.GetUtcNow()))
            {
                return TypedResults.Ok(OrganisationView.From(organisation));
            }

            if (existing is null ? await store.Insert(organisation, cancellationToken) : await store.Replace(organisation, cancellationToken))
            {
                var view = OrganisationView.From(organisation);
                return existing is null ? TypedResults.Created($"/api/v1/organisations/{id}", view) : TypedResults.Ok(view);
            }
        }

        return TypedResults.Conflict();
    }

    internal static async Task<Results<Ok<OrganisationView>, NotFound>> Get(string id, IDocumentStore<Organisation> store, CancellationToken cancellationToken) =>
        await store.Find(id, cancellationToken) is { } organisation ? TypedResults.Ok(OrganisationView.From(organisation)) : TypedResults.NotFound();

    internal static async Task<Ok<Page<OrganisationView>>> List(IDocumentStore<Organisation> store, int? limit, CancellationToken cancellationToken)
    {
        var all = await store.Query(o => true, Paging.Limit(limit), cancellationToken: cancellationToken);
        return TypedResults.Ok(new Page<OrganisationView>(all.Select(OrganisationView.From).ToList()));
    }
}

/// <summary>An organisation as the API shows it.</summary>
public sealed record OrganisationView(string Id, int Revision, string Name, string Country, string Kind, IReadOnlyList<string> Emails, DateTimeOffset UpdatedAt)
{
    public static OrganisationView From(Organisation o) => new(o.Id, o.Revision, o.Name, o.Country, o.Kind, o.Emails, o.UpdatedAt);
}
