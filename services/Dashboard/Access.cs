using Followups.ServiceDefaults.Security;

namespace Followups.Dashboard;

/// <summary>
/// Which roles each page is for, mirroring the rules of the APIs the page calls: a page is not offered (in the
/// navigation) or opened (<c>[Authorize]</c>) for a role the APIs would refuse. The APIs stay the real guard.
/// </summary>
public static class Access
{
    /// <summary>Tasks and agreements: the secretariat and managers see all, a member those involving its organisation.</summary>
    public const string Followers = Roles.Secretariat + "," + Roles.Manager + "," + Roles.Member;

    /// <summary>Entering and amending agreements.</summary>
    public const string Secretariat = Roles.Secretariat;

    /// <summary>The directory and the delivery log: everyone, a member seeing only its own organisation.</summary>
    public const string Everyone = Roles.Secretariat + "," + Roles.Manager + "," + Roles.Admin + "," + Roles.Member;

    /// <summary>The pages in the navigation, each with the roles that may open it.</summary>
    public static readonly IReadOnlyList<(string Href, string Text, string Roles)> Navigation =
    [
        ("/ui", "Open items", Followers),
        ("/ui/agreements", "Agreements", Followers),
        ("/ui/agreements/new", "Enter an agreement", Secretariat),
        ("/ui/directory", "Directory", Everyone),
        ("/ui/delivery", "Delivery log", Everyone),
    ];

    public static bool MayOpen(this Caller viewer, string roles) => roles.Split(',').Any(viewer.Is);

    /// <summary>Where a user lands after signing in: the first page of the navigation the user's role opens.</summary>
    public static string Home(this Caller viewer) => Navigation.FirstOrDefault(n => viewer.MayOpen(n.Roles)).Href ?? "/ui/directory";
}
