using System.Globalization;
using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Followups.Dashboard.Pages.Tasks;

/// <summary>One task: deadlines, progress, extension requests, history, and the actions its status allows.</summary>
[Authorize(Roles = Access.Followers)]
public sealed class TaskDetailModel(FollowupsApi api, Lang lang, TimeProvider clock) : DashboardPage(api, lang, clock)
{
    public TaskItem? Task { get; private set; }
    public AgreementItem? Agreement { get; private set; }
    public Dictionary<string, string> Organisations { get; private set; } = [];

    [BindProperty] public string? Text { get; set; }
    [BindProperty] public string? Percent { get; set; }
    [BindProperty] public string? DueDate { get; set; }
    [BindProperty] public string? Reason { get; set; }
    [BindProperty] public string? Decision { get; set; }
    [BindProperty] public string? Report { get; set; }

    /// <summary>Which form the errors belong to, so they show beside that form's fields.</summary>
    public string? FailedAction { get; private set; }
    public ApiResult<TaskItem>? Failure { get; private set; }
    [FromQuery(Name = "done")] public string? Done { get; set; }

    public Task<IActionResult> OnGet(string id, CancellationToken ct) => Load(id, ct);

    public Task<IActionResult> OnPostAccept(string id, CancellationToken ct) =>
        Act(id, "accept", "accept", null, ct);

    public Task<IActionResult> OnPostProgress(string id, CancellationToken ct) =>
        Act(id, "progress", "progress", new { text = Text, percent = ParsePercent() }, ct);

    public Task<IActionResult> OnPostExtension(string id, CancellationToken ct) =>
        Act(id, "extension", "extension-requests", new { dueDate = ParseDate(DueDate), reason = Reason }, ct);

    public Task<IActionResult> OnPostDecide(string id, CancellationToken ct) =>
        Act(id, "decide", Decision == "reject" ? "extension-requests/reject" : "extension-requests/approve", new { reason = Reason }, ct);

    public Task<IActionResult> OnPostComplete(string id, CancellationToken ct) =>
        Act(id, "complete", "complete", new { report = Report }, ct);

    public Task<IActionResult> OnPostCancel(string id, CancellationToken ct) =>
        Act(id, "cancel", "cancel", new { reason = Reason }, ct);

    public Task<IActionResult> OnPostTakeOffControl(string id, CancellationToken ct) =>
        Act(id, "offControl", "take-off-control", new { reason = Reason }, ct);

    /// <summary>A member of the task's organisation: accepts, reports progress, completes, asks for more time.</summary>
    public bool MayWork => Task is not null && Viewer.Is(Roles.Member) && Viewer.Organisation == Task.ResponsibleOrg;

    /// <summary>The secretariat: decides extensions, cancels, takes off control.</summary>
    public bool MayDecide => Viewer.Is(Roles.Secretariat);

    public string OrgName(string id) => Organisations.TryGetValue(id, out var name) ? name : id;

    public IEnumerable<string> ErrorsFor(string action, string field) =>
        FailedAction == action && Failure is not null ? Failure.For(field) : [];

    /// <summary>The failure's messages that belong to no field of the form (a conflict, an unknown task).</summary>
    public string? GeneralError(string action, params string[] fields) =>
        FailedAction == action && Failure is not null && !fields.Any(f => Failure.For(f).Any())
            ? Failure.Title + (Failure.Errors.Count > 0 ? " " + string.Join(" ", Failure.Errors.SelectMany(e => e.Value)) : "")
            : null;

    private async Task<IActionResult> Act(string id, string action, string path, object? body, CancellationToken ct)
    {
        var result = await Api.Post<TaskItem>(Service.Planner, $"api/v1/tasks/{Uri.EscapeDataString(id)}/{path}", body ?? new { }, ct: ct);
        if (result.Ok)
        {
            // Post/redirect/get: a reload does not repeat the action.
            return Redirect($"/ui/tasks/{Uri.EscapeDataString(id)}?done={action}");
        }

        FailedAction = action;
        Failure = result;
        return await Load(id, ct);
    }

    private async Task<IActionResult> Load(string id, CancellationToken ct)
    {
        var task = await Api.Get<TaskItem>(Service.Planner, $"api/v1/tasks/{Uri.EscapeDataString(id)}", ct);
        if (task.Status == 404)
        {
            Problems.Add(T["No such task."] + " " + id);
            Response.StatusCode = 404;
            return Page();
        }

        Task = Take(task, null!);
        if (Task is null)
        {
            return Page();
        }

        var agreement = Api.Get<AgreementItem>(Service.Capture, $"api/v1/agreements/{Uri.EscapeDataString(Task.AgreementId)}", ct);
        Organisations = (await Directory(ct)).ToDictionary(o => o.Id, o => o.NameIn(T.Code));
        var a = await agreement;
        Agreement = a.Ok ? a.Value : null;
        return Page();
    }

    private int? ParsePercent() =>
        int.TryParse(Percent, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : null;

    private static string? ParseDate(string? text) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
}
