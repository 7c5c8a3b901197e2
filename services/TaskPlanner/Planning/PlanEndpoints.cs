using Followups.ServiceDefaults.Security;
using Followups.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Followups.TaskPlanner.Planning;

/// <summary>
/// What the planner has applied of an agreement, as the API shows it: the last version planned, when, and each
/// commitment as planned then. <see cref="PlannedAt"/> is absent for a plan written before the planner kept it.
/// </summary>
public sealed record PlanView(string AgreementId, int AppliedVersion, DateTimeOffset? PlannedAt, IReadOnlyList<PlannedCommitmentView> Commitments)
{
    public static PlanView From(AgreementPlan plan) =>
        new(plan.Id, plan.AppliedVersion, plan.PlannedAt, plan.Commitments
            .Select(c => new PlannedCommitmentView(c.Key, c.Kind, c.Lead, c.DueDate, c.Urgency, c.Compressed, c.Cancelled)).ToList());
}

/// <summary>A commitment as last planned: its deadline compressed to fit, or cancelled by an amendment.</summary>
public sealed record PlannedCommitmentView(string Key, string Kind, string Lead, DateOnly? DueDate, string? Urgency, bool Compressed, bool Cancelled);

/// <summary>
/// <c>GET /api/v1/plans/{agreementId}</c>: whether the planner has caught up with an agreement. The plan is written after
/// the version's tasks, so once it shows a version, every task of that version is stored; until the agreement is first
/// planned the answer is 404.
/// </summary>
public static class PlanEndpoints
{
    public static void MapPlans(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/v1/plans").WithTags("Plans").MapGet("/{agreementId}", Get).Allow(Roles.Secretariat, Roles.Manager);

    internal static async Task<Results<Ok<PlanView>, ProblemHttpResult>> Get(string agreementId, IDocumentStore<AgreementPlan> plans, CancellationToken cancellationToken) =>
        await plans.Find(agreementId, cancellationToken) is { } plan
            ? TypedResults.Ok(PlanView.From(plan))
            : TypedResults.Problem(
                title: $"Agreement {agreementId} is not planned yet.",
                detail: "The planner has not stored the tasks of any version of this agreement: it may still be on its way, or no such agreement was recorded.",
                statusCode: StatusCodes.Status404NotFound);
}
