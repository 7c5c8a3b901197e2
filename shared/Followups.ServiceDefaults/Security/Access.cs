using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace Followups.ServiceDefaults.Security;

/// <summary>
/// Who may call an endpoint, declared where it is mapped. Every endpoint under <c>/api</c> carries one; the security
/// tests read the route table and fail on an endpoint without it. Which records a permitted caller then sees is the
/// endpoint's own object-level check, through <see cref="Caller"/>.
/// </summary>
public sealed record AccessRule(IReadOnlyList<string> Roles)
{
    public bool Anonymous => Roles.Count == 0;
}

public static class AccessExtensions
{
    /// <summary>Only callers holding one of <paramref name="roles"/>; others get 403, unauthenticated ones 401.</summary>
    public static TBuilder Allow<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder
    {
        if (roles.Length == 0)
        {
            throw new ArgumentException("name at least one role; use Anonymous() for an open endpoint", nameof(roles));
        }

        return builder
            .RequireAuthorization(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(roles).Build())
            .WithMetadata(new AccessRule(roles));
    }

    /// <summary>Open to anyone: health probes, the API description, and URLs that carry their own secret.</summary>
    public static TBuilder Anonymous<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AllowAnonymous().WithMetadata(new AccessRule([]));
}
