using Followups.AgreementCapture.Agreements;
using Followups.ServiceDefaults;

namespace Followups.UnitTests;

public sealed class AgreementRulesTests
{
    private static NewAgreementRequest Valid(params CommitmentRequest?[] commitments) => new(
        "Belarus – Kirov Oblast talks",
        new DateOnly(2026, 11, 20),
        [new PartyRequest("by", "Republic of Belarus", "BY"), new PartyRequest("kirov", "Kirov Oblast", "RU")],
        commitments.Length > 0 ? [.. commitments] : [Commitment()]);

    private static CommitmentRequest Commitment(string key = "buses", string lead = "maz", List<string?>? co = null, DateOnly? due = null) =>
        new(key, "Expand supplies of MAZ buses", "passenger-transport", "supply", lead, co, due);

    [Fact]
    public void A_complete_agreement_passes_and_keeps_its_content()
    {
        var errors = new FieldErrors();
        var agreement = AgreementRules.Validate(Valid(Commitment(co: ["belkommunmash"])), errors);

        Assert.False(errors.Any);
        Assert.NotNull(agreement);
        Assert.Equal(["belkommunmash"], agreement.Commitments[0].CoExecutors);
    }

    [Fact]
    public void Missing_fields_are_each_named()
    {
        var errors = new FieldErrors();
        Assert.Null(AgreementRules.Validate(new NewAgreementRequest(null, null, null, null), errors));

        Assert.Equal(["title", "concludedOn", "parties", "commitments"], errors.ToDictionary().Keys);
    }

    [Fact]
    public void Commitment_errors_name_the_commitment_and_the_field()
    {
        var errors = new FieldErrors();
        AgreementRules.Validate(Valid(Commitment(), Commitment(key: "Bad Key", lead: "", due: new DateOnly(2026, 1, 1))), errors);

        var fields = errors.ToDictionary();
        Assert.Contains("commitments[1].key", fields.Keys);
        Assert.Contains("commitments[1].lead", fields.Keys);
        Assert.Contains("commitments[1].dueDate", fields.Keys);
        Assert.DoesNotContain("commitments[0].key", fields.Keys);
    }

    [Fact]
    public void Duplicate_commitment_keys_and_repeated_co_executors_are_refused()
    {
        var errors = new FieldErrors();
        AgreementRules.Validate(Valid(Commitment(co: ["maz"]), Commitment()), errors);

        var fields = errors.ToDictionary();
        Assert.Contains(fields["commitments"], m => m.Contains("'buses'", StringComparison.Ordinal));
        Assert.Contains("commitments[0].coExecutors[0]", fields.Keys);
    }

    [Fact]
    public void Party_country_must_be_an_assigned_iso_code()
    {
        var errors = new FieldErrors();
        var request = Valid() with { Parties = [new PartyRequest("by", "Belarus", "XX"), new PartyRequest("kirov", "Kirov", "ru")] };
        AgreementRules.Validate(request, errors);

        Assert.Equal(["parties[0].country", "parties[1].country"], errors.ToDictionary().Keys);
    }

    [Fact]
    public void Unknown_area_and_kind_are_listed_with_the_allowed_values()
    {
        var errors = new FieldErrors();
        var agreement = AgreementRules.Validate(Valid(Commitment() with { Area = "space", Kind = "gift" }), errors)!;
        AgreementRules.CheckVocabulary(agreement, errors);

        var fields = errors.ToDictionary();
        Assert.Contains("passenger-transport", fields["commitments[0].area"][0], StringComparison.Ordinal);
        Assert.Contains("financing-mechanism", fields["commitments[0].kind"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Organisation_references_name_their_fields()
    {
        var agreement = AgreementRules.Validate(Valid(Commitment(co: ["belkommunmash"])), new FieldErrors())!;

        Assert.Equal(
            [("commitments[0].lead", "maz"), ("commitments[0].coExecutors[0]", "belkommunmash")],
            AgreementRules.OrganisationReferences(agreement));
    }
}
