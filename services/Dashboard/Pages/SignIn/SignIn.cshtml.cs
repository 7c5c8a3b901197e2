using Followups.Dashboard.Localisation;
using Followups.Dashboard.SignIn;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Followups.Dashboard.Pages.SignIn;

/// <summary>Signing in by pasting an API token, and signing out.</summary>
[AllowAnonymous]
public sealed class SignInModel(Session session, Lang lang) : PageModel
{
    public Lang T { get; } = lang;

    [BindProperty] public string? Token { get; set; }

    /// <summary>The page to return to: only a dashboard page of this site, so the link cannot send anyone elsewhere.</summary>
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    /// <summary>Why the user is here: <c>expired</c>, <c>invalid</c>, <c>denied</c> or <c>signed-out</c>.</summary>
    [FromQuery(Name = "reason")] public string? Reason { get; set; }

    /// <summary>Why the pasted token was refused.</summary>
    public string? Error { get; private set; }

    public Caller Viewer => Caller.From(User);

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPost()
    {
        var token = (Token ?? "").Trim();
        if (token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = token[7..].Trim();
        }

        if (token.Length == 0)
        {
            Error = T["Paste a token."];
            return Refused();
        }

        var result = await session.Validate(token);
        if (!result.IsValid)
        {
            Error = T[Session.Reason(result.Exception)];
            return Refused();
        }

        session.Write(HttpContext, token);
        return LocalRedirect(Safe(ReturnUrl) ?? Caller.From(Session.User(result)).Home());
    }

    public IActionResult OnPostSignOut()
    {
        Session.Delete(HttpContext);
        return LocalRedirect(Session.SignInPath + "?reason=signed-out");
    }

    private PageResult Refused()
    {
        Response.StatusCode = 422;
        Token = null; // Never echo a token back into the page.
        return Page();
    }

    private string? Safe(string? url) =>
        !string.IsNullOrEmpty(url) && Url.IsLocalUrl(url) && (url == "/ui" || url.StartsWith("/ui/", StringComparison.Ordinal) || url.StartsWith("/ui?", StringComparison.Ordinal))
        && !url.StartsWith(Session.SignInPath, StringComparison.Ordinal)
            ? url
            : null;
}
