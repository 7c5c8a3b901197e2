using System.Net.Http.Headers;
using System.Security.Cryptography;
using Followups.ServiceDefaults.Security;

namespace Followups.Bench;

/// <summary>
/// How the tool signs in. Hosts it starts get a random key of this run and no rate limit (the tool is the load, not an
/// abuser); against a running deployment it uses the token given by <c>--token</c> or <c>FOLLOWUPS_TOKEN</c>.
/// </summary>
public static class BenchIdentity
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(SigningKeys.MinimumKeyBytes);

    public static IReadOnlyList<string> HostSettings { get; } =
        [$"--Auth:SigningKey={Convert.ToBase64String(Key)}", "--Security:RequestsPerSecond=1000000", "--Security:Burst=1000000"];

    /// <summary>The bearer token requests carry; staff of every kind unless a token was given.</summary>
    public static string Token { get; set; } = Environment.GetEnvironmentVariable("FOLLOWUPS_TOKEN")
        ?? Tokens.Mint(Key, "followups", "followups-api", "bench", [Roles.Secretariat, Roles.Manager, Roles.Admin], null, TimeSpan.FromHours(12));

    public static HttpClient Client(string baseUrl, TimeSpan timeout) => new()
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = timeout,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", Token) },
    };
}
