using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Followups.AgreementCapture.Organisations;
using Followups.ServiceDefaults;
using Followups.ServiceDefaults.Security;
using Followups.Storage;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Followups.AgreementCapture.Agreements;

/// <summary>HTTP API of agreements: entry, listing, amendments and history.</summary>
public static class AgreementEndpoints
{
    /// <summary>Largest accepted request body: a full agreement with 200 commitments fits with room to spare.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    public static void MapAgreements(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/agreements").WithTags("Agreements");
        group.MapPost("/", Create).WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes)).Allow(Roles.Secretariat);
        group.MapGet("/", List).Allow(Readers);
        group.MapGet("/{id}", Get).Allow(Readers);
        group.MapPost("/{id}/amendments", Amend).WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes)).Allow(Roles.Secretariat);
        group.MapGet("/{id}/versions", Versions).Allow(Readers);
        group.MapGet("/{id}/versions/{version:int}", VersionOf).Allow(Readers);
    }

    /// <summary>Who reads agreements: staff see all, a member only those with a commitment involving its organisation.</summary>
    private static readonly string[] Readers = [Roles.Secretariat, Roles.Manager, Roles.Member];

    private static readonly string[] SeeAll = [Roles.Secretariat, Roles.Manager];

    /// <summary>The agreement when it exists and the caller may see it; otherwise null, answered as 404 either way.</summary>
    private static async Task<Agreement?> Visible(string id, Caller caller, IDocumentStore<Agreement> store, CancellationToken cancellationToken) =>
        await store.Find(id, cancellationToken) is { } agreement && caller.MaySee(agreement.Organisations, SeeAll) ? agreement : null;

    internal static async Task<IResult> Create(
        NewAgreementRequest? request,
        IDocumentStore<Agreement> store,
        IDocumentStore<AgreementReference> references,
        OrganisationLookup<KnownOrganisation> directory,
        Vocabulary vocabulary,
        TimeProvider clock,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var unprocessable = new FieldErrors();
        var key = Idempotency.Key(http, errors);
        var agreement = AgreementRules.Validate(request, vocabulary, errors, unprocessable);
        if (agreement is null || errors.Any)
        {
            return errors.Merge(unprocessable).ToBadRequest();
        }

        var fingerprint = Idempotency.Fingerprint(request);
        // With a key the id derives from it: a repeated request finds its agreement, and two at once cannot both insert.
        var id = key is null ? Guid.CreateVersion7().ToString() : DeterministicId.Text("agreement", key);
        if (key is not null && await store.Find(id, cancellationToken) is { } earlier)
        {
            return Replay(earlier, fingerprint);
        }

        if (await CheckOrganisations(AgreementRules.OrganisationReferences(agreement.Commitments), directory, unprocessable, http, cancellationToken) is { } unavailable)
        {
            return unavailable;
        }

        if (unprocessable.Any)
        {
            return unprocessable.ToUnprocessable(UnprocessableTitle(unprocessable));
        }

        if (agreement.Reference is { } reference && await ClaimReference(reference, id, references, store, clock, cancellationToken) is { } taken)
        {
            return taken;
        }

        var now = clock.GetUtcNow();
        var actor = Actors.From(http);
        agreement.Id = id;
        agreement.Revision = 1;
        agreement.RecordedAt = now;
        agreement.RecordedBy = actor;
        agreement.History =
        [
            new AgreementChange
            {
                Version = 1, At = now, By = actor, IdempotencyKey = key, RequestHash = fingerprint,
                Added = agreement.Commitments.Select(c => c.Copy()).ToList(),
            },
        ];
        agreement.RefreshDerived();
        agreement.Raise(agreement.ToRecorded(), Amendments.RecordedMessageId(id));
        if (!await store.Insert(agreement, cancellationToken))
        {
            // The same key won a race a moment ago: answer as for a retry.
            return Replay((await store.Find(id, cancellationToken))!, fingerprint);
        }

        return TypedResults.Created($"/api/v1/agreements/{id}", AgreementView.From(agreement));
    }

    internal static async Task<IResult> Amend(
        string id,
        AmendmentRequest? request,
        IDocumentStore<Agreement> store,
        OrganisationLookup<KnownOrganisation> directory,
        Vocabulary vocabulary,
        TimeProvider clock,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var key = Idempotency.Key(http, errors);
        if (request is null)
        {
            errors.Add("$", "a JSON body is required");
        }
        else if (request.ExpectedVersion is null)
        {
            errors.Add("expectedVersion", "is required: the version this amendment was written against");
        }

        if (errors.Any)
        {
            return errors.ToBadRequest();
        }

        var fingerprint = Idempotency.Fingerprint(request);
        while (true)
        {
            if (await store.Find(id, cancellationToken) is not { } agreement)
            {
                return TypedResults.NotFound();
            }

            if (key is not null && agreement.History.Find(h => h.IdempotencyKey == key) is { } done)
            {
                return done.RequestHash == fingerprint
                    ? TypedResults.Created($"/api/v1/agreements/{id}/versions/{done.Version}", VersionView.From(agreement, done))
                    : KeyReused();
            }

            if (request!.ExpectedVersion != agreement.Revision)
            {
                return TypedResults.Problem(
                    title: $"The agreement is at version {agreement.Revision}, not {request.ExpectedVersion}; reload it and amend the current version.",
                    statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["currentVersion"] = agreement.Revision });
            }

            var unprocessable = new FieldErrors();
            var change = Amendments.Check(agreement, request, vocabulary, errors, unprocessable);
            if (errors.Any)
            {
                return errors.Merge(unprocessable).ToBadRequest();
            }

            if (change is not null)
            {
                var named = AgreementRules.OrganisationReferences(change.Added, "add")
                    .Concat(AgreementRules.OrganisationReferences(change.Changed.Select(c => c.After).ToList(), "change"));
                if (await CheckOrganisations(named, directory, unprocessable, http, cancellationToken) is { } unavailable)
                {
                    return unavailable;
                }
            }

            if (change is null || unprocessable.Any)
            {
                return unprocessable.ToUnprocessable(UnprocessableTitle(unprocessable));
            }

            change.IdempotencyKey = key;
            change.RequestHash = fingerprint;
            Amendments.Apply(agreement, change, Actors.From(http), clock.GetUtcNow());
            if (await store.Replace(agreement, cancellationToken))
            {
                return TypedResults.Created($"/api/v1/agreements/{id}/versions/{change.Version}", VersionView.From(agreement, change));
            }

            // Storage's version moved under us (a concurrent amendment or the outbox): reload and decide again.
        }
    }

    internal static async Task<Results<Ok<AgreementView>, NotFound>> Get(string id, Caller caller, IDocumentStore<Agreement> store, CancellationToken cancellationToken) =>
        await Visible(id, caller, store, cancellationToken) is { } agreement ? TypedResults.Ok(AgreementView.From(agreement)) : TypedResults.NotFound();

    internal static async Task<Results<Ok<AgreementPage>, ValidationProblem>> List(
        Caller caller,
        IDocumentStore<Agreement> store,
        string? party,
        string? area,
        string? org,
        string? concludedFrom,
        string? concludedTo,
        string? q,
        int? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var from = QueryDate(errors, "concludedFrom", concludedFrom);
        var to = QueryDate(errors, "concludedTo", concludedTo);
        var before = Cursor.Decode(errors, cursor);
        if (q is { Length: > 200 })
        {
            errors.Add("q", "must be at most 200 characters");
        }

        if (errors.Any)
        {
            return errors.ToBadRequest();
        }

        var text = q?.Trim().ToLowerInvariant();
        var scope = caller.ScopeFor(SeeAll);
        Expression<Func<Agreement, bool>> filter = a => true;
        filter = filter
            .AndIf(scope is not null, a => a.Organisations.Contains(scope!))
            .AndIf(party is not null, a => a.PartyIds.Contains(party!))
            .AndIf(area is not null, a => a.Areas.Contains(area!))
            .AndIf(org is not null, a => a.Organisations.Contains(org!))
            .AndIf(from is not null, a => a.ConcludedOn >= from!.Value)
            .AndIf(to is not null, a => a.ConcludedOn <= to!.Value)
            .AndIf(!string.IsNullOrEmpty(text), a => a.SearchText.Contains(text!))
            .AndIf(before is not null, a => a.RecordedAt < before!.Value);
        var size = Math.Min(Paging.Limit(limit), 200);
        var items = await store.Query(filter, size, a => a.RecordedAt, cancellationToken, descending: true);
        var next = items.Count == size ? Cursor.Encode(items[^1].RecordedAt) : null;
        return TypedResults.Ok(new AgreementPage(items.Select(AgreementView.From).ToList(), next));
    }

    internal static async Task<Results<Ok<IReadOnlyList<VersionSummary>>, NotFound>> Versions(
        string id, Caller caller, IDocumentStore<Agreement> store, CancellationToken cancellationToken) =>
        await Visible(id, caller, store, cancellationToken) is { } agreement
            ? TypedResults.Ok<IReadOnlyList<VersionSummary>>(agreement.History.Select(VersionSummary.From).ToList())
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<VersionView>, NotFound>> VersionOf(
        string id, int version, Caller caller, IDocumentStore<Agreement> store, CancellationToken cancellationToken) =>
        await Visible(id, caller, store, cancellationToken) is { } agreement && agreement.History.Find(h => h.Version == version) is { } change
            ? TypedResults.Ok(VersionView.From(agreement, change))
            : TypedResults.NotFound();

    private static IResult Replay(Agreement earlier, string fingerprint) =>
        earlier.History[0].RequestHash == fingerprint
            ? TypedResults.Created($"/api/v1/agreements/{earlier.Id}", AgreementView.From(Amendments.AsOf(earlier, 1)))
            : KeyReused();

    private static IResult KeyReused() =>
        new FieldErrors()
            .Add(Idempotency.Header, "was already used for a request with a different body; use a new key for a new request")
            .ToUnprocessable("Idempotency-Key reused with a different body.");

    /// <summary>Adds an error per unknown organisation; returns a 503 when the directory cannot be asked.</summary>
    private static async Task<IResult?> CheckOrganisations(
        IEnumerable<(string Field, string OrganisationId)> named,
        OrganisationLookup<KnownOrganisation> directory,
        FieldErrors errors,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var references = named.ToList();
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

        foreach (var (field, organisation) in references.Where(r => unknown.Contains(r.OrganisationId)))
        {
            errors.Add(field, $"'{organisation}' is not an organisation of the directory");
        }

        return null;
    }

    private static string UnprocessableTitle(FieldErrors errors)
    {
        var unknown = errors.ToDictionary().Values.SelectMany(r => r)
            .Where(r => r.EndsWith("is not an organisation of the directory", StringComparison.Ordinal))
            .Select(r => r[1..r.IndexOf('\'', 1)])
            .Distinct()
            .ToList();
        return unknown.Count > 0
            ? $"Unknown organisations: {string.Join(", ", unknown)}."
            : "Some values do not fit the allowed ones or the agreement's current state.";
    }

    private static async Task<IResult?> ClaimReference(
        string reference, string agreementId, IDocumentStore<AgreementReference> references, IDocumentStore<Agreement> store, TimeProvider clock, CancellationToken cancellationToken)
    {
        var claimId = AgreementReference.IdFor(reference);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var claim = await references.Find(claimId, cancellationToken);
            if (claim is null)
            {
                if (await references.Insert(new AgreementReference { Id = claimId, AgreementId = agreementId, ClaimedAt = clock.GetUtcNow() }, cancellationToken))
                {
                    return null;
                }

                continue;
            }

            if (claim.AgreementId == agreementId)
            {
                return null;
            }

            // A claim whose agreement never got stored (its request died in between) is released after a grace period.
            var orphaned = await store.Find(claim.AgreementId, cancellationToken) is null && clock.GetUtcNow() - claim.ClaimedAt > TimeSpan.FromSeconds(30);
            if (!orphaned)
            {
                return new FieldErrors()
                    .Add("reference", $"'{reference}' is already the reference of agreement {claim.AgreementId}")
                    .ToConflict("The reference is already in use.");
            }

            (claim.AgreementId, claim.ClaimedAt) = (agreementId, clock.GetUtcNow());
            if (await references.Replace(claim, cancellationToken))
            {
                return null;
            }
        }

        return TypedResults.Conflict();
    }

    private static DateOnly? QueryDate(FieldErrors errors, string name, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors.Add(name, "must be a date as yyyy-MM-dd");
        return null;
    }

    /// <summary>An opaque paging cursor: the recording time of the last item of the previous page.</summary>
    private static class Cursor
    {
        public static string Encode(DateTimeOffset at) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes(at.UtcTicks.ToString(CultureInfo.InvariantCulture))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static DateTimeOffset? Decode(FieldErrors errors, string? cursor)
        {
            if (cursor is null)
            {
                return null;
            }

            try
            {
                var padded = cursor.Replace('-', '+').Replace('_', '/').PadRight((cursor.Length + 3) / 4 * 4, '=');
                return new DateTimeOffset(long.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(padded)), CultureInfo.InvariantCulture), TimeSpan.Zero);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                errors.Add("cursor", "is not a cursor this API returned");
                return null;
            }
        }
    }
}
