using Microsoft.AspNetCore.Http;

namespace Followups.ServiceDefaults;

/// <summary>
/// Who makes a change, for the audit trail. Until authentication lands it is the <c>X-Actor</c> header (or
/// <c>anonymous</c>); afterwards it comes from the token and this is the one place to change.
/// </summary>
public static class Actors
{
    public const string Header = "X-Actor";

    public static string From(HttpContext http)
    {
        var actor = http.Request.Headers[Header].ToString().Trim();
        return actor.Length is > 0 and <= 200 && !actor.Any(char.IsControl) ? actor : "anonymous";
    }
}
