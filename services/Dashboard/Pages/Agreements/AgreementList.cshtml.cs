using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Followups.Dashboard.Pages.Agreements;

/// <summary>The agreements capture holds, newest first, with a text search.</summary>
[Authorize(Roles = Access.Followers)]
public sealed class AgreementListModel(FollowupsApi api, Lang lang, TimeProvider clock) : DashboardPage(api, lang, clock)
{
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }

    public List<AgreementItem> Agreements { get; private set; } = [];

    public async Task OnGet(CancellationToken ct)
    {
        var query = string.IsNullOrWhiteSpace(Q) ? "" : "&q=" + Uri.EscapeDataString(Q.Trim());
        Agreements = Take(await Api.Get<Page<AgreementItem>>(Service.Capture, "api/v1/agreements?limit=200" + query, ct), new Page<AgreementItem>([], null)).Items;
    }
}
