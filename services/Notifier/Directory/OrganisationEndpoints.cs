using Followups.ServiceDefaults;
using Followups.ServiceDefaults.Security;
using Followups.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Followups.Notifier.Directory;

/// <summary>
/// HTTP API of the organisation directory. There is no DELETE: agreements and tasks in the other services keep naming
/// an organisation for years, so an organisation is changed (e.g. its contacts emptied) but never removed.
/// </summary>
public static class OrganisationEndpoints
{
    private const int MaxSupervisorChain = 32;

    public static void MapOrganisations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/organisations").WithTags("Organisations");
        group.MapPut("/{id}", Put).Allow(Roles.Secretariat, Roles.Admin);
        group.MapGet("/{id}", Get).Allow(Readers);
        group.MapGet("/", List).Allow(Readers);
    }

    /// <summary>Staff read the whole directory; a member reads its own organisation's entry only (it holds contacts).</summary>
    private static readonly string[] Readers = [Roles.Secretariat, Roles.Manager, Roles.Admin, Roles.Member];

    private static readonly string[] SeeAll = [Roles.Secretariat, Roles.Manager, Roles.Admin];

    internal static async Task<Results<Created<OrganisationView>, Ok<OrganisationView>, ValidationProblem, ProblemHttpResult, Conflict>> Put(
        string id, OrganisationRequest? request, Caller caller, IDocumentStore<Organisation> store, WebhookSecrets secrets, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        // A concurrent PUT of the same id: reload and apply again, a few times, before giving up with 409.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = OrganisationRules.IsValidId(id) ? await store.Find(id, cancellationToken) : null;
            var errors = new FieldErrors();
            var details = OrganisationRules.Validate(id, request, errors, existing);
            if (details is null)
            {
                return errors.ToBadRequest();
            }

            if (details.SupervisorId is { } supervisor && await SupervisorProblem(id, supervisor, store, cancellationToken) is { } reason)
            {
                return new FieldErrors().Add("supervisor", reason).ToUnprocessable($"Supervisor '{supervisor}' cannot be used.");
            }

            foreach (var webhook in details.Webhooks)
            {
                secrets.Protect(webhook, existing?.Webhooks);
            }

            var organisation = existing ?? new Organisation { Id = id };
            if (!organisation.Apply(details, clock.GetUtcNow(), caller.Actor))
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

    /// <summary>Why <paramref name="supervisor"/> cannot supervise <paramref name="id"/>, or null: it must exist and not close a loop.</summary>
    private static async Task<string?> SupervisorProblem(string id, string supervisor, IDocumentStore<Organisation> store, CancellationToken cancellationToken)
    {
        var current = await store.Find(supervisor, cancellationToken);
        if (current is null)
        {
            return $"'{supervisor}' is not an organisation of the directory";
        }

        // An escalation walks up the chain; a loop would make it go round forever.
        for (var step = 0; current?.SupervisorId is { } next && step < MaxSupervisorChain; step++)
        {
            if (next == id)
            {
                return $"'{supervisor}' is supervised, directly or not, by '{id}': supervision cannot go round in a loop";
            }

            current = await store.Find(next, cancellationToken);
        }

        return null;
    }

    internal static async Task<Results<Ok<OrganisationView>, NotFound>> Get(string id, Caller caller, IDocumentStore<Organisation> store, CancellationToken cancellationToken) =>
        caller.MaySee([id], SeeAll) && await store.Find(id, cancellationToken) is { } organisation
            ? TypedResults.Ok(OrganisationView.From(organisation))
            : TypedResults.NotFound();

    internal static async Task<Ok<Page<OrganisationView>>> List(Caller caller, IDocumentStore<Organisation> store, int? limit, CancellationToken cancellationToken)
    {
        var scope = caller.ScopeFor(SeeAll);
        var all = await store.Query(Filters.AndIf<Organisation>(o => true, scope is not null, o => o.Id == scope), Paging.Limit(limit), cancellationToken: cancellationToken);
        return TypedResults.Ok(new Page<OrganisationView>(all.Select(OrganisationView.From).ToList()));
    }
}

/// <summary>An organisation as the API shows it: webhook secrets only as a hint of their last characters.</summary>
public sealed record OrganisationView(
    string Id,
    int Revision,
    string Name,
    OrganisationNames Names,
    string Country,
    string Kind,
    string? Supervisor,
    IReadOnlyList<string> Emails,
    IReadOnlyList<Contact> Contacts,
    IReadOnlyList<WebhookView> Webhooks,
    string Language,
    DigestPreference Digest,
    DateTimeOffset UpdatedAt,
    string? UpdatedBy)
{
    public static OrganisationView From(Organisation o) => new(
        o.Id, o.Revision, o.NameIn(Languages.English), o.Names, o.Country, o.Kind, o.SupervisorId, o.EmailsFor(ContactRoles.Tasks), o.Contacts,
        o.Webhooks.Select(w => new WebhookView(w.Url, w.SecretHint ?? "…" + w.Secret[^4..])).ToList(), o.Language, o.Digest, o.UpdatedAt, o.UpdatedBy);
}

/// <summary>A webhook endpoint as the API shows it.</summary>
public sealed record WebhookView(string Url, string SecretHint);
