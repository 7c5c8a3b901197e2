using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.Mvc;

namespace Followups.Dashboard.Pages.Delivery;

/// <summary>The notifier's delivery log: who was told what, how, and whether it arrived; failed ones can be sent again.</summary>
public sealed class DeliveryLogModel(FollowupsApi api, Lang lang, TimeProvider clock) : DashboardPage(api, lang, clock)
{
    public static readonly string[] Statuses = ["pending", "batched", "sending", "sent", "failed", "held"];

    [BindProperty(SupportsGet = true)] public string? Org { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Channel { get; set; }
    [FromQuery(Name = "retried")] public string? Retried { get; set; }

    public List<NotificationItem> Notifications { get; private set; } = [];
    public Dictionary<string, string> Organisations { get; private set; } = [];
    public string? RetryFailure { get; private set; }

    public Task OnGet(CancellationToken ct) => Load(ct);

    public async Task<IActionResult> OnPostRetry(string id, CancellationToken ct)
    {
        var result = await Api.Post<NotificationItem>(Service.Notifier, $"api/v1/notifications/{Uri.EscapeDataString(id)}/retry", new { }, ct: ct);
        if (result.Ok)
        {
            return Redirect($"/ui/delivery?retried={Uri.EscapeDataString(id)}");
        }

        RetryFailure = result.Title + " " + string.Join(" ", result.Errors.SelectMany(e => e.Value));
        await Load(ct);
        return Page();
    }

    /// <summary>Sending again is an operation of the admin's.</summary>
    public bool MayRetry => Viewer.Is(Roles.Admin);

    public string OrgName(string id) => Organisations.TryGetValue(id, out var name) ? name : id;

    private async Task Load(CancellationToken ct)
    {
        var query = "api/v1/notifications?limit=200";
        if (!string.IsNullOrWhiteSpace(Org)) { query += "&org=" + Uri.EscapeDataString(Org); }
        if (!string.IsNullOrWhiteSpace(Status)) { query += "&status=" + Uri.EscapeDataString(Status); }
        if (!string.IsNullOrWhiteSpace(Channel)) { query += "&channel=" + Uri.EscapeDataString(Channel); }
        var notifications = Api.Get<Page<NotificationItem>>(Service.Notifier, query, ct);
        Organisations = (await Directory(ct)).ToDictionary(o => o.Id, o => o.NameIn(T.Code));
        Notifications = Take(await notifications, new Page<NotificationItem>([], null)).Items;
    }
}
