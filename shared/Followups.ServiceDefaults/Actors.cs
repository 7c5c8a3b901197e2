using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;

namespace Followups.ServiceDefaults;

/// <summary>Who makes a change, for the audit trail: the subject of the caller's token or API key.</summary>
public static class Actors
{
    public static string From(HttpContext http) => Caller.From(http.User).Actor;
}
