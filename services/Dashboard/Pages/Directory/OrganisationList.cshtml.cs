using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;

namespace Followups.Dashboard.Pages.Directory;

/// <summary>The notifier's directory: organisations, their supervisors and contacts.</summary>
public sealed class OrganisationListModel(FollowupsApi api, Lang lang, TimeProvider clock) : DashboardPage(api, lang, clock)
{
    public List<OrganisationItem> Organisations { get; private set; } = [];

    public async Task OnGet(CancellationToken ct) =>
        Organisations = (await Directory(ct)).OrderBy(o => o.Country).ToList();

    public string NameOf(string? id) => id is null ? "" : Organisations.FirstOrDefault(o => o.Id == id)?.NameIn(T.Code) ?? id;
}
