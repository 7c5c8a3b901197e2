using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Followups.ServiceDefaults.Security;

/// <summary>Mints tokens signed with the deployment's HMAC key: for the <c>token</c> command and for tests.</summary>
public static class Tokens
{
    public static string Mint(
        AuthOptions options, string subject, IEnumerable<string> roles, string? organisation, TimeSpan? lifetime = null, DateTimeOffset? now = null) =>
        Mint(SigningKeys.SymmetricKey(options), options.Issuer, options.Audience, subject, roles, organisation, lifetime ?? options.TokenLifetime, now);

    public static string Mint(
        byte[] key, string issuer, string audience, string subject, IEnumerable<string> roles, string? organisation, TimeSpan lifetime, DateTimeOffset? now = null)
    {
        var issued = (now ?? DateTimeOffset.UtcNow).UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [Roles.Claims.Subject] = subject,
            [Roles.Claims.Role] = roles.ToArray(),
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (organisation is not null)
        {
            claims[Roles.Claims.Organisation] = organisation;
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued + lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The validation rules: issuer, audience, lifetime and key checked; one algorithm accepted; claims kept as named.</summary>
    public static TokenValidationParameters ValidationParameters(AuthOptions options)
    {
        var (key, algorithm) = SigningKeys.Load(options);
        return new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [algorithm],
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = options.ClockSkew,
            NameClaimType = Roles.Claims.Subject,
            RoleClaimType = Roles.Claims.Role,
        };
    }

    /// <summary>Claims of an API key's client, shaped like a token's.</summary>
    internal static ClaimsIdentity Identity(string subject, IEnumerable<string> roles, string? organisation, string scheme)
    {
        var identity = new ClaimsIdentity(scheme, Roles.Claims.Subject, Roles.Claims.Role);
        identity.AddClaim(new Claim(Roles.Claims.Subject, subject));
        foreach (var role in roles)
        {
            identity.AddClaim(new Claim(Roles.Claims.Role, role));
        }

        if (organisation is not null)
        {
            identity.AddClaim(new Claim(Roles.Claims.Organisation, organisation));
        }

        return identity;
    }
}
