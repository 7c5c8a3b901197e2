using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Followups.ServiceDefaults.Security;

/// <summary>
/// Who is calling, as the token or API key says: the actor recorded in audit trails, the roles, and for a member the
/// organisation whose data it may see. Endpoints take it as a parameter; object-level checks ask it.
/// </summary>
public sealed record Caller(string Actor, IReadOnlySet<string> Roles, string? Organisation)
{
    /// <summary>Nobody: what an unauthenticated request is, so checks fail closed.</summary>
    public static readonly Caller Nobody = new("anonymous", new HashSet<string>(), null);

    public bool Is(string role) => Roles.Contains(role);

    /// <summary>True when the caller sees every organisation's records of this kind: staff roles other than members.</summary>
    public bool SeesAll(params string[] staff) => staff.Any(Is);

    /// <summary>
    /// The organisation a list must be narrowed to, or null when the caller sees all: a member with no staff role is
    /// kept to its own organisation (and to none when its token names none).
    /// </summary>
    public string? ScopeFor(params string[] staff) => SeesAll(staff) ? null : Organisation ?? "\0no organisation";

    /// <summary>True when a record belonging to <paramref name="organisations"/> may be shown to this caller.</summary>
    public bool MaySee(IEnumerable<string?> organisations, params string[] staff) =>
        SeesAll(staff) || (Is(Security.Roles.Member) && Organisation is not null && organisations.Contains(Organisation));

    public static Caller From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return Nobody;
        }

        var roles = user.FindAll(Security.Roles.Claims.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var actor = user.FindFirst(Security.Roles.Claims.Subject)?.Value ?? "unknown";
        return new Caller(actor, roles, user.FindFirst(Security.Roles.Claims.Organisation)?.Value);
    }

    /// <summary>Lets a minimal-API handler take the caller as a parameter.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult<Caller?>(From(context.User));
}
