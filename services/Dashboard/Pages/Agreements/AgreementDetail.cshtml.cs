using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Followups.Dashboard.Pages.Agreements;

/// <summary>One agreement: its record, its versions, and each commitment with its tasks on a timeline.</summary>
[Authorize(Roles = Access.Followers)]
public sealed class AgreementDetailModel(FollowupsApi api, Lang lang, TimeProvider clock) : DashboardPage(api, lang, clock)
{
    public AgreementItem? Agreement { get; private set; }
    public List<VersionSummary> Versions { get; private set; } = [];
    public ILookup<string, TaskItem> TasksByCommitment { get; private set; } = Array.Empty<TaskItem>().ToLookup(t => t.CommitmentKey);
    public Dictionary<string, string> Organisations { get; private set; } = [];
    public Timeline Scale { get; private set; } = null!;
    [FromQuery(Name = "recorded")] public bool Recorded { get; set; }

    public async Task<IActionResult> OnGet(string id, CancellationToken ct)
    {
        var escaped = Uri.EscapeDataString(id);
        var agreement = Api.Get<AgreementItem>(Service.Capture, $"api/v1/agreements/{escaped}", ct);
        var versions = Api.Get<List<VersionSummary>>(Service.Capture, $"api/v1/agreements/{escaped}/versions", ct);
        var tasks = Api.Get<Page<TaskItem>>(Service.Planner, $"api/v1/tasks?agreementId={escaped}&limit=200", ct);
        var organisations = Directory(ct);

        var found = await agreement;
        if (found.Status == 404)
        {
            Problems.Add(T["No such agreement."] + " " + id);
            Response.StatusCode = 404;
            return Page();
        }

        Agreement = Take(found, null!);
        Versions = Take(await versions, []);
        var all = Take(await tasks, new Page<TaskItem>([], null)).Items;
        TasksByCommitment = all.ToLookup(t => t.CommitmentKey);
        Scale = Timeline.For(Agreement?.ConcludedOn ?? Today, all, Today);
        Organisations = (await organisations).ToDictionary(o => o.Id, o => o.NameIn(T.Code));
        return Page();
    }

    public string OrgName(string id) => Organisations.TryGetValue(id, out var name) ? name : id;
}
