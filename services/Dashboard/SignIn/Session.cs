using System.Security.Claims;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Followups.Dashboard.SignIn;

/// <summary>
/// The dashboard's sign-in: the user's own API token, checked by the rules the APIs apply, kept in a cookie the browser
/// cannot read (HttpOnly) or send from another site (SameSite=Strict), encrypted with ASP.NET Data Protection. The
/// pages forward the token as Bearer, so the APIs decide what this user may see and do, exactly as for any client.
/// </summary>
public sealed class Session(IOptions<AuthOptions> auth, IDataProtectionProvider protection)
{
    public const string Scheme = "DashboardSession";
    public const string Cookie = "followups-session";
    public const string SignInPath = "/ui/sign-in";

    /// <summary>Far longer than any real token; also keeps the encrypted cookie under the browsers' 4 KB.</summary>
    public const int MaxTokenLength = 2500;

    private readonly Lazy<TokenValidationParameters> _rules = new(() => Tokens.ValidationParameters(auth.Value));
    private readonly IDataProtector _protector = protection.CreateProtector("Followups.Dashboard.Session");
    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>Checks <paramref name="token"/> as the APIs do: signature, algorithm, issuer, audience, lifetime.</summary>
    public async Task<TokenValidationResult> Validate(string token)
    {
        if (token.Length > MaxTokenLength)
        {
            return new TokenValidationResult { IsValid = false, Exception = new SecurityTokenException($"longer than {MaxTokenLength} characters") };
        }

        return await _handler.ValidateTokenAsync(token, _rules.Value);
    }

    /// <summary>The user the pages see: the token's own claims (<c>sub</c>, <c>role</c>, <c>org</c>), nothing added.</summary>
    public static ClaimsPrincipal User(TokenValidationResult valid) =>
        new(new ClaimsIdentity(valid.ClaimsIdentity.Claims, Scheme, Roles.Claims.Subject, Roles.Claims.Role));

    public void Write(HttpContext http, string token) => http.Response.Cookies.Append(Cookie, _protector.Protect(token), Options(http));

    /// <summary>The token from the request's cookie, or null when there is none or it was not made by this deployment.</summary>
    public string? Read(HttpContext http)
    {
        if (http.Request.Cookies[Cookie] is not { Length: > 0 } value)
        {
            return null;
        }

        try
        {
            return _protector.Unprotect(value);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public static void Delete(HttpContext http) => http.Response.Cookies.Delete(Cookie, Options(http));

    // A session cookie, not one that expires with the token: the server must still see an expired token to tell the
    // user that it expired (rather than that nobody is signed in), and it deletes the cookie when it does.
    private static CookieOptions Options(HttpContext http) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Path = "/ui",
        IsEssential = true,
    };

    /// <summary>Why a token was refused, in words a user can act on.</summary>
    public static string Reason(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The token has expired. Mint a new one.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenInvalidAudienceException => "The token is for another audience than followups-api.",
        SecurityTokenInvalidIssuerException => "The token is from another issuer than this deployment's.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token is not signed with this deployment's key.",
        SecurityTokenInvalidAlgorithmException => "The token is signed with an algorithm this deployment does not accept.",
        SecurityTokenMalformedException or ArgumentException => "This is not a token: paste the whole line the token command printed.",
        _ => "The token is not valid.",
    };
}
