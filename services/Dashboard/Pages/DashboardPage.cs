using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Followups.Dashboard.Pages;

/// <summary>What every dashboard page needs: the APIs, the language, who is signed in, today's date and a problem to show.</summary>
public abstract class DashboardPage(FollowupsApi api, Lang lang, TimeProvider clock) : PageModel
{
    protected FollowupsApi Api { get; } = api;

    public Lang T { get; } = lang;

    /// <summary>The signed-in user as the token says; the pages offer only what the APIs would allow this user.</summary>
    public Caller Viewer => Caller.From(User);

    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    /// <summary>Messages of failed calls, shown at the top of the page.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>The directory (first 200), sorted by name in the page language; empty, with the problem noted, when the notifier does not answer.</summary>
    protected async Task<List<OrganisationItem>> Directory(CancellationToken ct) =>
        Take(await Api.Get<Page<OrganisationItem>>(Service.Notifier, "api/v1/organisations?limit=200", ct), new Page<OrganisationItem>([], null))
            .Items.OrderBy(o => o.NameIn(T.Code)).ToList();

    /// <summary>The value of <paramref name="result"/>, or <paramref name="fallback"/> after noting its problem.</summary>
    protected T2 Take<T2>(ApiResult<T2> result, T2 fallback)
    {
        if (result.Ok && result.Value is not null)
        {
            return result.Value;
        }

        // Locked: a page may await several calls at once, and their continuations can note problems in parallel.
        lock (Problems)
        {
            Problems.Add($"{result.Status}: {result.Title}");
        }
        return fallback;
    }
}
