using System.Security.Cryptography;
using Followups.ServiceDefaults.Security;

namespace Followups.Testing;

/// <summary>
/// The signing key of one test run, given to every host the tests start, and the tokens the tests sign in with. The key
/// is random per run: no secret is kept in the repository.
/// </summary>
public static class TestIdentity
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(SigningKeys.MinimumKeyBytes);

    public const string Issuer = "followups";
    public const string Audience = "followups-api";

    /// <summary>The key as the <c>Auth:SigningKey</c> setting holds it.</summary>
    public static string SigningKey { get; } = Convert.ToBase64String(Key);

    /// <summary>
    /// Host settings (command-line form) that make a host accept this run's tokens, with the per-client rate limit
    /// lifted: the tests poll as one client far faster than any person does (the limit has its own test).
    /// </summary>
    public static IReadOnlyList<string> HostSettings { get; } =
        [$"--Auth:SigningKey={SigningKey}", "--Security:RequestsPerSecond=100000", "--Security:Burst=100000"];

    /// <summary>Staff of every kind at once: enters agreements, reads everything, runs operations.</summary>
    public static string Staff { get; } = Token("tests", [Roles.Secretariat, Roles.Manager, Roles.Admin]);

    public static string Member(string organisation) => Token($"member@{organisation}", [Roles.Member], organisation);

    public static string Token(string subject, IEnumerable<string> roles, string? organisation = null, TimeSpan? lifetime = null, DateTimeOffset? now = null) =>
        Tokens.Mint(Key, Issuer, Audience, subject, roles, organisation, lifetime ?? TimeSpan.FromHours(4), now);

    /// <summary>A token signed with another key: what a forger without ours could make.</summary>
    public static string Forged(string subject, IEnumerable<string> roles) =>
        Tokens.Mint(RandomNumberGenerator.GetBytes(SigningKeys.MinimumKeyBytes), Issuer, Audience, subject, roles, null, TimeSpan.FromHours(1));

    /// <summary>A signed token for another audience or issuer.</summary>
    public static string ForAudience(string audience, string issuer = Issuer) =>
        Tokens.Mint(Key, issuer, audience, "tests", [Roles.Secretariat], null, TimeSpan.FromHours(1));
}
