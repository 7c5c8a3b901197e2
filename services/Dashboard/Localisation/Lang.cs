using Microsoft.AspNetCore.Http;

namespace Followups.Dashboard.Localisation;

/// <summary>
/// The page language: <c>?lang=ru|en</c> (remembered in a cookie), else the cookie, else the browser's
/// Accept-Language. Texts are written in English in the pages and looked up in <see cref="Russian"/>.
/// </summary>
public sealed class Lang
{
    private const string Cookie = "followups-lang";

    public Lang(IHttpContextAccessor accessor)
    {
        var http = accessor.HttpContext;
        var asked = http?.Request.Query["lang"].ToString();
        if (asked is "ru" or "en")
        {
            Code = asked;
            http!.Response.Cookies.Append(Cookie, asked, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365) });
        }
        else if (http?.Request.Cookies[Cookie] is "ru" or "en")
        {
            Code = http.Request.Cookies[Cookie]!;
        }
        else
        {
            var accept = http?.Request.Headers.AcceptLanguage.ToString() ?? "";
            Code = accept.StartsWith("ru", StringComparison.OrdinalIgnoreCase) ? "ru" : "en";
        }
    }

    public string Code { get; }

    public bool Ru => Code == "ru";

    /// <summary>The text in the page language; English is the key, so a missing translation shows English, not a blank.</summary>
    public string this[string english] =>
        Ru && Russian.Texts.TryGetValue(english, out var ru) ? ru
        : !Ru && English.Texts.TryGetValue(english, out var en) ? en
        : english.IndexOf(':') is > 0 and var colon && !english.Contains(' ') ? english[(colon + 1)..] // "status:done" in English is "done"
        : english;

    /// <summary>A task or notification status in the page language.</summary>
    public string Status(string status) => this["status:" + status];
}
