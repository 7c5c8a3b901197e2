using System.Text.Json.Nodes;
using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Followups.Dashboard.Pages.Agreements;

/// <summary>
/// Amends an agreement: change a commitment's summary, lead or deadline, cancel one with a reason, add new ones. Only
/// what differs from the version shown is sent, naming that version, so a concurrent amendment is a clear 409.
/// </summary>
[Authorize(Roles = Access.Secretariat)]
public sealed class AmendAgreementModel(FollowupsApi api, Lang lang, TimeProvider clock) : DashboardPage(api, lang, clock)
{
    public AgreementItem? Agreement { get; private set; }
    public AgreementForm Form { get; private set; } = new(null);
    public ApiResult<AgreementItem>? Failure { get; private set; }
    public List<OrganisationItem> Organisations { get; private set; } = [];
    public int Added { get; private set; } = 1;
    public string IdempotencyKey { get; private set; } = Guid.NewGuid().ToString("n");

    private readonly Dictionary<string, string> _sent = [];

    public async Task<IActionResult> OnGet(string id, CancellationToken ct) => await Load(id, ct) ? Page() : NotFoundPage();

    public async Task<IActionResult> OnPostMore(string id, CancellationToken ct)
    {
        ReadForm();
        Added++;
        return await Load(id, ct) ? Page() : NotFoundPage();
    }

    public async Task<IActionResult> OnPost(string id, CancellationToken ct)
    {
        ReadForm();
        if (!await Load(id, ct))
        {
            return NotFoundPage();
        }

        var body = Build(Agreement!);
        if (Form.LocalErrors.Count == 0)
        {
            var result = await Api.Post<AgreementItem>(Service.Capture, $"api/v1/agreements/{Uri.EscapeDataString(id)}/amendments", body, IdempotencyKey, ct);
            if (result.Ok)
            {
                return Redirect($"/ui/agreements/{Uri.EscapeDataString(id)}?recorded=true");
            }

            Failure = result with { Errors = AgreementForm.Renumber(result.Errors, _sent) };
        }

        Response.StatusCode = Failure?.Status == 409 ? 409 : 422;
        return Page();
    }

    public IEnumerable<string> Errors(string field) =>
        (Form.LocalErrors.TryGetValue(field, out var local) ? local : Enumerable.Empty<string>()).Concat(Failure?.For(field) ?? []);

    public IEnumerable<(string Field, string Message)> AllErrors() =>
        Form.LocalErrors.SelectMany(e => e.Value.Select(m => (e.Key, m))).Concat(Failure?.Errors.SelectMany(e => e.Value.Select(m => (e.Key, m))) ?? []);

    /// <summary>The value shown in a row's field: what was posted, else the agreement's current value.</summary>
    public string? Shown(string name, string? current) => Form.Value("expectedVersion") is null ? current : Form.Value(name);

    private IActionResult NotFoundPage()
    {
        Response.StatusCode = 404;
        return Page();
    }

    private void ReadForm()
    {
        Form = new AgreementForm(Request.Form);
        Added = Form.Rows("add", Added);
        IdempotencyKey = Form.Value("idempotencyKey") ?? IdempotencyKey;
    }

    private async Task<bool> Load(string id, CancellationToken ct)
    {
        var agreement = Api.Get<AgreementItem>(Service.Capture, $"api/v1/agreements/{Uri.EscapeDataString(id)}", ct);
        Organisations = await Directory(ct);
        var found = await agreement;
        if (found.Status == 404)
        {
            Problems.Add(T["No such agreement."] + " " + id);
            return false;
        }

        Agreement = Take(found, null!);
        return Agreement is not null;
    }

    private JsonObject Build(AgreementItem agreement)
    {
        var change = new JsonArray();
        var cancel = new JsonArray();
        var active = agreement.Commitments.Where(c => !c.Cancelled).ToList();
        for (var i = 0; i < active.Count; i++)
        {
            var c = active[i];
            var p = $"change[{i}]";
            if (Form.Value($"cancel[{i}].reason")?.Trim() is { Length: > 0 } reason)
            {
                _sent[$"cancel[{cancel.Count}]"] = $"cancel[{i}]";
                cancel.Add(new JsonObject { ["key"] = c.Key, ["reason"] = reason });
                continue;
            }

            var changed = new JsonObject { ["key"] = c.Key };
            if (Form.Value($"{p}.summary")?.Trim() is { Length: > 0 } summary && summary != c.Summary)
            {
                changed["summary"] = summary;
            }

            if (Form.Value($"{p}.lead") is { Length: > 0 } lead && lead != c.Lead)
            {
                changed["lead"] = lead;
            }

            var due = Form.Date($"{p}.dueDate");
            if (due is not null && due.GetValue<string>() != c.DueDate?.ToString("yyyy-MM-dd"))
            {
                changed["dueDate"] = due;
            }

            if (changed.Count > 1)
            {
                _sent[$"change[{change.Count}]"] = p;
                change.Add(changed);
            }
        }

        var add = new JsonArray();
        for (var i = 0; i < Added; i++)
        {
            var p = $"add[{i}]";
            if (Form.Filled(p, AgreementForm.CommitmentFields))
            {
                _sent[$"add[{add.Count}]"] = p;
                add.Add(Form.Commitment(p));
            }
        }

        return new JsonObject
        {
            ["expectedVersion"] = int.TryParse(Form.Value("expectedVersion"), out var v) ? v : agreement.Version,
            ["add"] = add,
            ["change"] = change,
            ["cancel"] = cancel,
            ["note"] = Form.Text("note"),
        };
    }
}
