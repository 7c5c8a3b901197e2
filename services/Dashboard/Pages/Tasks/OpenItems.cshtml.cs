using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Followups.Dashboard.Pages.Tasks;

/// <summary>Open items: the planner's tasks with the managers' filters, and open vs overdue per organisation.</summary>
[Authorize(Roles = Access.Followers)]
public sealed class OpenItemsModel(FollowupsApi api, Lang lang, TimeProvider clock) : DashboardPage(api, lang, clock)
{
    public static readonly string[] Statuses = ["planned", "assigned", "accepted", "inProgress", "done", "cancelled"];

    [BindProperty(SupportsGet = true)] public string? Org { get; set; }
    [BindProperty(SupportsGet = true)] public string? Area { get; set; }
    [BindProperty(SupportsGet = true)] public string? AgreementId { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? DueAfter { get; set; }
    [BindProperty(SupportsGet = true)] public string? DueBefore { get; set; }
    [BindProperty(SupportsGet = true)] public bool Overdue { get; set; }

    public List<TaskItem> Tasks { get; private set; } = [];
    public bool More { get; private set; }
    public List<OpenItemsRow> PerOrganisation { get; private set; } = [];
    public Dictionary<string, string> Organisations { get; private set; } = [];
    public List<AgreementItem> Agreements { get; private set; } = [];
    public IReadOnlyDictionary<string, string[]> FilterErrors { get; private set; } = new Dictionary<string, string[]>();
    public string CsvLink { get; private set; } = "";

    public async Task OnGet(CancellationToken ct)
    {
        var query = Query();
        CsvLink = "/ui?handler=csv" + (query.Length == 0 ? "" : "&" + query[1..]);
        var tasks = Api.Get<Page<TaskItem>>(Service.Planner, "api/v1/tasks" + query + (query.Length == 0 ? "?" : "&") + "limit=200", ct);
        var report = ShowsReport
            ? Api.Get<Page<OpenItemsRow>>(Service.Planner, "api/v1/reports/open-items?groupBy=org", ct)
            : Task.FromResult(ApiResult<Page<OpenItemsRow>>.Success(new Page<OpenItemsRow>([], null), 200));
        var organisations = Directory(ct);
        var agreements = Api.Get<Page<AgreementItem>>(Service.Capture, "api/v1/agreements?limit=200", ct);

        var taskResult = await tasks;
        if (taskResult.Status == 400 && taskResult.Errors.Count > 0)
        {
            // A bad filter (a malformed date typed by hand) is shown next to its field, not as a failed page.
            FilterErrors = taskResult.Errors;
        }
        else
        {
            var page = Take(taskResult, new Page<TaskItem>([], null));
            Tasks = page.Items;
            More = page.Next is not null;
        }

        PerOrganisation = Take(await report, new Page<OpenItemsRow>([], null)).Items.Where(r => r.Open > 0 || r.Overdue > 0).ToList();
        Organisations = (await organisations).ToDictionary(o => o.Id, o => o.NameIn(T.Code));
        Agreements = Take(await agreements, new Page<AgreementItem>([], null)).Items;
    }

    /// <summary>
    /// The CSV export with the page's filters. The browser fetches it from here, not from the planner: it holds no token,
    /// and the API takes none from a cookie.
    /// </summary>
    public async Task<IActionResult> OnGetCsv(CancellationToken ct)
    {
        var (status, content, type, name) = await Api.Download(Service.Planner, "api/v1/tasks/export.csv" + Query(), ct);
        return status == 200
            ? File(content, type ?? "text/csv", name ?? "open-items.csv")
            : StatusCode(status, System.Text.Encoding.UTF8.GetString(content));
    }

    /// <summary>The per-organisation report is for the secretariat and managers; a member sees its own list only.</summary>
    public bool ShowsReport => Viewer.Is(Roles.Secretariat) || Viewer.Is(Roles.Manager);

    public string OrgName(string id) => Organisations.TryGetValue(id, out var name) ? name : id;

    public IEnumerable<string> ErrorsFor(string field) =>
        FilterErrors.Where(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).SelectMany(e => e.Value);

    private string Query()
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add($"{name}={Uri.EscapeDataString(value.Trim())}");
            }
        }

        Add("org", Org);
        Add("area", Area);
        Add("agreementId", AgreementId);
        Add("status", Status);
        Add("dueAfter", DueAfter);
        Add("dueBefore", DueBefore);
        Add("overdue", Overdue ? "true" : null);
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }
}
