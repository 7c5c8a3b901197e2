using Followups.AgreementCapture.Organisations;
using Followups.ServiceDefaults;
using Followups.Storage;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Followups.AgreementCapture.Agreements;

/// <summary>HTTP API of agreements.</summary>
public static class AgreementEndpoints
{
    public static void MapAgreements(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/agreements").WithTags("Agreements");
        group.MapPost("/", Create);
        group.MapGet("/{id}", Get);
        group.MapGet("/", List);
    }

    internal static async Task<Results<Created<AgreementView>, ValidationProblem, ProblemHttpResult>> Create(
        NewAgreementRequest? request,
        IDocumentStore<Agreement> store,
        OrganisationLookup<KnownOrganisation> directory,
        TimeProvider clock,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var agreement = AgreementRules.Validate(request, errors);
        if (agreement is null)
        {
            return errors.ToBadRequest();
        }

        AgreementRules.CheckVocabulary(agreement, errors);
        var references = AgreementRules.OrganisationReferences(agreement).ToList();
        IReadOnlyList<string> unknown;
        try
        {
            unknown = await directory.FindUnknown(references.Select(r => r.OrganisationId), cancellationToken);
        }
        catch (RequestTimeoutException)
        {
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                title: "The organisation directory did not answer; nothing was stored. Try again shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        foreach (var (field, id) in references.Where(r => unknown.Contains(r.OrganisationId)))
        {
            errors.Add(field, $"'{id}' is not an organisation of the directory");
        }

        if (errors.Any)
        {
            var title = unknown.Count > 0
                ? $"Unknown organisations: {string.Join(", ", unknown)}."
                : "Some values are not among the allowed ones.";
            return errors.ToUnprocessable(title);
        }

        agreement.Id = Guid.CreateVersion7().ToString();
        agreement.Revision = 1;
        agreement.RecordedAt = clock.GetUtcNow();
        agreement.Raise(agreement.ToRecorded(), DeterministicId.From("agreement-recorded", agreement.Id, "1"));
        await store.Insert(agreement, cancellationToken);
        return TypedResults.Created($"/api/v1/agreements/{agreement.Id}", AgreementView.From(agreement));
    }

    internal static async Task<Results<Ok<AgreementView>, NotFound>> Get(string id, IDocumentStore<Agreement> store, CancellationToken cancellationToken) =>
        await store.Find(id, cancellationToken) is { } agreement ? TypedResults.Ok(AgreementView.From(agreement)) : TypedResults.NotFound();

    internal static async Task<Ok<Page<AgreementView>>> List(IDocumentStore<Agreement> store, int? limit, CancellationToken cancellationToken)
    {
        var items = await store.Query(a => true, Paging.Limit(limit), a => a.RecordedAt, cancellationToken);
        return TypedResults.Ok(new Page<AgreementView>(items.Select(AgreementView.From).ToList()));
    }
}

/// <summary>An agreement as the API shows it; <c>version</c> is the secretariat's version number.</summary>
public sealed record AgreementView(
    string Id, int Version, string Title, DateOnly ConcludedOn, IReadOnlyList<Party> Parties, IReadOnlyList<Commitment> Commitments, DateTimeOffset RecordedAt)
{
    public static AgreementView From(Agreement a) => new(a.Id, a.Revision, a.Title, a.ConcludedOn, a.Parties, a.Commitments, a.RecordedAt);
}
