using Followups.AgreementCapture.Agreements;
using Followups.ServiceDefaults;

namespace Followups.UnitTests;

public sealed class AgreementRulesTests
{
    internal static readonly Vocabulary Vocabulary = Vocabulary.Load(Vocabulary.DefaultFile);

    internal static NewAgreementRequest Valid() => new(
        "Belarus – Kirov Oblast talks",
        "BY-KIR-2026/11",
        new DateOnly(2026, 11, 20),
        "Minsk",
        "talks",
        [new PartyRequest("by", "Republic of Belarus", "BY"), new PartyRequest("kirov", "Kirov Oblast", "RU")],
        [new ParticipantRequest("Viktor Karankevich", "Deputy Prime Minister", "by"), new ParticipantRequest("Alexander Sokolov", "Governor", "kirov")],
        [new FigureRequest("Trade turnover", 108_000_000.00m, "USD", "11 months")],
        [Commitment()]);

    internal static CommitmentRequest Commitment(string key = "buses") =>
        new(key, "Expand supplies of MAZ buses", "passenger-transport", "supply", "maz", ["belkommunmash"], null, "prompt", ["kirov-transport"], "by-industry", "Trolleybuses too");

    public static TheoryData<string, Func<NewAgreementRequest, NewAgreementRequest>, int, string, string> Rules => new()
    {
        { "title missing", r => r with { Title = " " }, 400, "title", "is required" },
        { "title too long", r => r with { Title = new string('x', 301) }, 400, "title", "at most 300" },
        { "reference too long", r => r with { Reference = new string('r', 101) }, 400, "reference", "at most 100" },
        { "concludedOn missing", r => r with { ConcludedOn = null }, 400, "concludedOn", "is required" },
        { "concludedOn before 1990", r => r with { ConcludedOn = new DateOnly(1989, 12, 31) }, 400, "concludedOn", "between 1990-01-01 and 2100-12-31" },
        { "concludedOn after 2100", r => r with { ConcludedOn = new DateOnly(2101, 1, 1) }, 400, "concludedOn", "between" },
        { "unknown format", r => r with { Format = "banquet" }, 422, "format", "allowed: talks" },
        { "one party only", r => r with { Parties = [new PartyRequest("by", "Belarus", "BY")] }, 400, "parties", "at least two" },
        { "party country not ISO", r => r with { Parties = [new PartyRequest("by", "Belarus", "BLR"), new PartyRequest("kirov", "Kirov", "RU")] }, 400, "parties[0].country", "ISO 3166-1" },
        { "party id twice", r => r with { Parties = [new PartyRequest("by", "Belarus", "BY"), new PartyRequest("by", "Kirov", "RU")] }, 400, "parties", "more than once" },
        { "participant of no party", r => r with { Participants = [new ParticipantRequest("A. Sokolov", null, "moscow")] }, 400, "participants[0].party", "not one of the agreement's parties" },
        { "participant without name", r => r with { Participants = [new ParticipantRequest(null, null, "by")] }, 400, "participants[0].name", "is required" },
        { "figure without amount", r => r with { Figures = [new FigureRequest("Turnover", null, "USD", null)] }, 400, "figures[0].amount", "is required" },
        { "negative figure", r => r with { Figures = [new FigureRequest("Turnover", -1m, "USD", null)] }, 400, "figures[0].amount", "not be negative" },
        { "currency not ISO 4217", r => r with { Figures = [new FigureRequest("Turnover", 1m, "BYR", null)] }, 400, "figures[0].currency", "ISO 4217" },
        { "no commitments", r => r with { Commitments = [] }, 400, "commitments", "at least one" },
        { "201 commitments", r => r with { Commitments = Enumerable.Range(0, 201).Select(i => (CommitmentRequest?)Commitment($"c{i}")).ToList() }, 400, "commitments", "at most 200" },
        { "duplicate keys", r => r with { Commitments = [Commitment(), Commitment()] }, 400, "commitments", "'buses' appears more than once" },
        { "bad key", r => r with { Commitments = [Commitment("Buses!")] }, 400, "commitments[0].key", "lower-case letters" },
        { "summary missing", r => r with { Commitments = [Commitment() with { Summary = null }] }, 400, "commitments[0].summary", "is required" },
        { "unknown area", r => r with { Commitments = [Commitment() with { Area = "space" }] }, 422, "commitments[0].area", "allowed: mechanical-engineering" },
        { "unknown kind", r => r with { Commitments = [Commitment() with { Kind = "gift" }] }, 422, "commitments[0].kind", "financing-mechanism" },
        { "lead missing", r => r with { Commitments = [Commitment() with { Lead = null }] }, 400, "commitments[0].lead", "is required" },
        { "lead also co-executor", r => r with { Commitments = [Commitment() with { CoExecutors = ["maz"] }] }, 400, "commitments[0].coExecutors[0]", "named twice" },
        { "counterpart twice", r => r with { Commitments = [Commitment() with { Counterparts = ["kirov-transport", "kirov-transport"] }] }, 400, "commitments[0].counterparts[1]", "named twice" },
        { "bad controller id", r => r with { Commitments = [Commitment() with { Controller = "By Industry" }] }, 400, "commitments[0].controller", "lower-case" },
        { "due date and urgency", r => r with { Commitments = [Commitment() with { DueDate = new DateOnly(2027, 1, 15) }] }, 400, "commitments[0].urgency", "either dueDate or urgency" },
        { "unknown urgency", r => r with { Commitments = [Commitment() with { Urgency = "asap" }] }, 400, "commitments[0].urgency", "urgent, prompt, none" },
        { "due before concluded", r => r with { Commitments = [Commitment() with { Urgency = null, DueDate = new DateOnly(2026, 11, 1) }] }, 400, "commitments[0].dueDate", "after concludedOn" },
        { "notes too long", r => r with { Commitments = [Commitment() with { Notes = new string('n', 4001) }] }, 400, "commitments[0].notes", "at most 4000" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_reports_its_field_and_reason(string rule, Func<NewAgreementRequest, NewAgreementRequest> breakIt, int status, string field, string reason)
    {
        var errors = new FieldErrors();
        var unprocessable = new FieldErrors();
        AgreementRules.Validate(breakIt(Valid()), Vocabulary, errors, unprocessable);

        var reported = status == 400 ? errors : unprocessable;
        Assert.True(reported.ToDictionary().TryGetValue(field, out var reasons), $"{rule}: no error for {field} in {string.Join(", ", errors.ToDictionary().Keys.Concat(unprocessable.ToDictionary().Keys))}");
        Assert.Contains(reasons, r => r.Contains(reason, StringComparison.Ordinal));
        Assert.Equal(status == 400, errors.Any);
    }

    [Fact]
    public void A_complete_agreement_passes_and_keeps_its_content()
    {
        var errors = new FieldErrors();
        var agreement = AgreementRules.Validate(Valid(), Vocabulary, errors, new FieldErrors());

        Assert.False(errors.Any);
        var commitment = Assert.Single(agreement!.Commitments);
        Assert.Equal(["belkommunmash"], commitment.CoExecutors);
        Assert.Equal(["kirov-transport"], commitment.Counterparts);
        Assert.Equal("prompt", commitment.Urgency);
        Assert.Equal(108_000_000.00m, Assert.Single(agreement.Figures).Amount);
    }

    [Fact]
    public void Urgency_none_means_no_urgency_and_may_stand_beside_a_due_date()
    {
        var errors = new FieldErrors();
        var agreement = AgreementRules.Validate(Valid() with { Commitments = [Commitment() with { Urgency = "none", DueDate = new DateOnly(2027, 3, 1) }] }, Vocabulary, errors, new FieldErrors());

        Assert.False(errors.Any);
        Assert.Null(agreement!.Commitments[0].Urgency);
        Assert.Equal(new DateOnly(2027, 3, 1), agreement.Commitments[0].DueDate);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = new FieldErrors();
        Assert.Null(AgreementRules.Validate(new NewAgreementRequest(null, null, null, null, null, null, null, null, null), Vocabulary, errors, new FieldErrors()));

        Assert.Equal(["title", "concludedOn", "parties", "commitments"], errors.ToDictionary().Keys);
    }

    [Fact]
    public void Organisation_references_name_their_fields()
    {
        var agreement = AgreementRules.Validate(Valid(), Vocabulary, new FieldErrors(), new FieldErrors())!;

        Assert.Equal(
            [("commitments[0].lead", "maz"), ("commitments[0].coExecutors[0]", "belkommunmash"), ("commitments[0].counterparts[0]", "kirov-transport"), ("commitments[0].controller", "by-industry")],
            AgreementRules.OrganisationReferences(agreement.Commitments));
    }
}
