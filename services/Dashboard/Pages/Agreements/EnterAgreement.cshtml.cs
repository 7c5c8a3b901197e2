using System.Text.Json.Nodes;
using Followups.Dashboard.Api;
using Followups.Dashboard.Localisation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Followups.Dashboard.Pages.Agreements;

/// <summary>The secretariat's form for a new agreement; capture validates, and its messages show beside the fields.</summary>
[Authorize(Roles = Access.Secretariat)]
public sealed class EnterAgreementModel(FollowupsApi api, Lang lang, TimeProvider clock) : DashboardPage(api, lang, clock)
{
    public AgreementForm Form { get; private set; } = new(null);
    public ApiResult<AgreementItem>? Failure { get; private set; }
    public List<OrganisationItem> Organisations { get; private set; } = [];
    public int Parties { get; private set; } = 2;
    public int Participants { get; private set; } = 2;
    public int Figures { get; private set; } = 1;
    public int Commitments { get; private set; } = 3;

    /// <summary>Made once per blank form, so a double submit or a reload of the POST records the agreement once.</summary>
    public string IdempotencyKey { get; private set; } = Guid.NewGuid().ToString("n");

    public async Task OnGet(CancellationToken ct) => await LoadDirectory(ct);

    /// <summary>"Add a row": re-renders the form with one more row of a list, keeping what was typed.</summary>
    public async Task<IActionResult> OnPostMore(string list, CancellationToken ct)
    {
        ReadForm();
        switch (list)
        {
            case "parties": Parties++; break;
            case "participants": Participants++; break;
            case "figures": Figures++; break;
            default: Commitments++; break;
        }

        await LoadDirectory(ct);
        return Page();
    }

    public async Task<IActionResult> OnPost(CancellationToken ct)
    {
        ReadForm();
        var body = Build();
        if (Form.LocalErrors.Count == 0)
        {
            var result = await Api.Post<AgreementItem>(Service.Capture, "api/v1/agreements", body, IdempotencyKey, ct);
            if (result.Ok && result.Value is not null)
            {
                return Redirect($"/ui/agreements/{Uri.EscapeDataString(result.Value.Id)}?recorded=true");
            }

            Failure = result with { Errors = AgreementForm.Renumber(result.Errors, _sent) };
        }

        Response.StatusCode = 422;
        await LoadDirectory(ct);
        return Page();
    }

    public IEnumerable<string> Errors(string field) =>
        (Form.LocalErrors.TryGetValue(field, out var local) ? local : Enumerable.Empty<string>())
        .Concat(Failure?.For(field) ?? []);

    /// <summary>Every message, for the summary at the top of the form.</summary>
    public IEnumerable<(string Field, string Message)> AllErrors() =>
        Form.LocalErrors.SelectMany(e => e.Value.Select(m => (e.Key, m)))
            .Concat(Failure?.Errors.SelectMany(e => e.Value.Select(m => (e.Key, m))) ?? []);

    private void ReadForm()
    {
        Form = new AgreementForm(Request.Form);
        Parties = Form.Rows("parties", Parties);
        Participants = Form.Rows("participants", Participants);
        Figures = Form.Rows("figures", Figures);
        Commitments = Form.Rows("commitments", Commitments);
        IdempotencyKey = Form.Value("idempotencyKey") ?? IdempotencyKey;
    }

    private JsonObject Build()
    {
        var parties = new JsonArray();
        for (var i = 0; i < Parties; i++)
        {
            var p = $"parties[{i}]";
            if (Form.Filled(p, "id", "name", "country"))
            {
                parties.Add(new JsonObject { ["id"] = Form.Text($"{p}.id"), ["name"] = Form.Text($"{p}.name"), ["country"] = Form.Text($"{p}.country") });
            }
        }

        var participants = new JsonArray();
        for (var i = 0; i < Participants; i++)
        {
            var p = $"participants[{i}]";
            if (Form.Filled(p, "name", "position", "party"))
            {
                participants.Add(new JsonObject { ["name"] = Form.Text($"{p}.name"), ["position"] = Form.Text($"{p}.position"), ["party"] = Form.Text($"{p}.party") });
            }
        }

        var figures = new JsonArray();
        for (var i = 0; i < Figures; i++)
        {
            var p = $"figures[{i}]";
            if (Form.Filled(p, "label", "amount", "currency", "period"))
            {
                figures.Add(new JsonObject { ["label"] = Form.Text($"{p}.label"), ["amount"] = Form.Decimal($"{p}.amount"), ["currency"] = Form.Text($"{p}.currency"), ["period"] = Form.Text($"{p}.period") });
            }
        }

        var commitments = new JsonArray();
        for (var i = 0; i < Commitments; i++)
        {
            var p = $"commitments[{i}]";
            if (Form.Filled(p, AgreementForm.CommitmentFields))
            {
                _sent[$"commitments[{commitments.Count}]"] = p;
                commitments.Add(Form.Commitment(p));
            }
        }

        return new JsonObject
        {
            ["title"] = Form.Text("title"),
            ["reference"] = Form.Text("reference"),
            ["concludedOn"] = Form.Date("concludedOn"),
            ["venue"] = Form.Text("venue"),
            ["format"] = Form.Text("format"),
            ["parties"] = parties,
            ["participants"] = participants,
            ["figures"] = figures,
            ["commitments"] = commitments,
        };
    }

    private readonly Dictionary<string, string> _sent = [];

    private async Task LoadDirectory(CancellationToken ct) =>
        Organisations = await Directory(ct);
}
