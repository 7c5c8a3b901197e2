using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Followups.ServiceDefaults.Security;

/// <summary>
/// API keys of machine clients, sent as <c>X-Api-Key</c>. Configuration holds only each key's SHA-256; a request's key
/// is hashed and compared in constant time.
/// </summary>
public static class ApiKeys
{
    public const string Header = "X-Api-Key";
    public const string Scheme = "ApiKey";

    /// <summary>A new random key and the hash to put in configuration.</summary>
    public static (string Key, string Hash) Generate()
    {
        var key = "fu_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, Hash(key));
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The configured client the key belongs to, or null.</summary>
    public static (string Name, ApiKeyOptions Client)? Find(AuthOptions options, string key)
    {
        var hash = Encoding.ASCII.GetBytes(Hash(key));
        foreach (var (name, client) in options.ApiKeys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, Encoding.ASCII.GetBytes(client.Hash.Trim().ToLowerInvariant())))
            {
                return (name, client);
            }
        }

        return null;
    }
}

internal sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder, IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[ApiKeys.Header].ToString();
        if (key.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (key.Length > 200 || ApiKeys.Find(auth.Value, key) is not { } found)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }

        var roles = found.Client.Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var identity = Tokens.Identity("apikey:" + found.Name, roles, found.Client.Organisation, Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}
