using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Followups.Dashboard.SignIn;

/// <summary>
/// Authenticates <c>/ui</c> requests from the session cookie. The token inside is validated again on every request,
/// so an expired or (after a key change) foreign token stops working at once, not when the cookie would have expired.
/// </summary>
internal sealed class SessionHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Session session)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string TokenName = "access_token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (session.Read(Context) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        var result = await session.Validate(token);
        if (!result.IsValid)
        {
            Session.Delete(Context);
            return AuthenticateResult.Fail(result.Exception ?? new SecurityTokenException("invalid token"));
        }

        var properties = new AuthenticationProperties();
        properties.StoreTokens([new AuthenticationToken { Name = TokenName, Value = token }]);
        return AuthenticateResult.Success(new AuthenticationTicket(Session.User(result), properties, Scheme.Name));
    }

    /// <summary>Not signed in, or no longer: to the sign-in page, which brings the user back here afterwards.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        var reason = failure is null ? null : failure is SecurityTokenExpiredException ? "expired" : "invalid";
        Response.Redirect(SignInUrl(reason));
    }

    /// <summary>Signed in with a role that may not open this page: to the sign-in page, saying so.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.Redirect(SignInUrl("denied"));
        return Task.CompletedTask;
    }

    private string SignInUrl(string? reason)
    {
        // Only a GET can be repeated after signing in; a form post returns to the page it came from instead.
        var back = HttpMethods.IsGet(Request.Method) ? Request.PathBase + Request.Path + Request.QueryString : null;
        var query = new QueryBuilder();
        if (back is not null && back != Session.SignInPath)
        {
            query.Add("returnUrl", back);
        }

        if (reason is not null)
        {
            query.Add("reason", reason);
        }

        return Session.SignInPath + query.ToQueryString();
    }
}
