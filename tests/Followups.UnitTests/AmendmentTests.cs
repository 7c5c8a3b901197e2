using Followups.AgreementCapture.Agreements;
using Followups.Contracts;
using Followups.ServiceDefaults;

namespace Followups.UnitTests;

public sealed class AmendmentTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    private static Agreement Recorded()
    {
        var request = AgreementRulesTests.Valid() with
        {
            Commitments = [AgreementRulesTests.Commitment("buses"), AgreementRulesTests.Commitment("elevators") with { Lead = "mogilevliftmash", CoExecutors = [] }],
        };
        var agreement = AgreementRules.Validate(request, AgreementRulesTests.Vocabulary, new FieldErrors(), new FieldErrors())!;
        agreement.Id = "agr-1";
        agreement.Revision = 1;
        agreement.History = [new AgreementChange { Version = 1, At = Now, By = "secretariat", Added = agreement.Commitments.Select(c => c.Copy()).ToList() }];
        agreement.RefreshDerived();
        return agreement;
    }

    private static (AgreementChange? Change, FieldErrors Errors, FieldErrors State) Check(Agreement agreement, AmendmentRequest request)
    {
        var errors = new FieldErrors();
        var state = new FieldErrors();
        return (Amendments.Check(agreement, request, AgreementRulesTests.Vocabulary, errors, state), errors, state);
    }

    [Fact]
    public void A_change_records_which_fields_changed_and_publishes_the_new_content()
    {
        var agreement = Recorded();
        var (change, _, _) = Check(agreement, new AmendmentRequest(1, null, [new CommitmentChangeRequest("buses", null, "belkommunmash", [], new DateOnly(2027, 3, 31), null)], null, "Lead moved"));

        Amendments.Apply(agreement, change!, "secretariat", Now.AddDays(1));

        Assert.Equal(2, agreement.Revision);
        Assert.Equal(["lead", "coExecutors", "dueDate", "urgency"], Assert.Single(change!.Changed).Fields);
        var buses = agreement.Commitments.Single(c => c.Key == "buses");
        Assert.Equal(("belkommunmash", new DateOnly(2027, 3, 31), (string?)null), (buses.Lead, buses.DueDate, buses.Urgency));
        var amended = (AgreementAmended)agreement.Pending.Single().Materialise().Message;
        Assert.Equal(2, amended.Version);
        Assert.Equal("belkommunmash", Assert.Single(amended.Changed).Lead);
        Assert.Empty(amended.Added);
        Assert.Equal("secretariat", amended.AmendedBy);
    }

    [Fact]
    public void A_cancelled_commitment_stays_in_the_record_with_its_reason_and_leaves_the_listing_fields()
    {
        var agreement = Recorded();
        var (change, _, _) = Check(agreement, new AmendmentRequest(1, null, null, [new CancelRequest("elevators", "Covered by a federal programme")], null));

        Amendments.Apply(agreement, change!, "secretariat", Now);

        var elevators = agreement.Commitments.Single(c => c.Key == "elevators");
        Assert.Equal(CommitmentStatus.Cancelled, elevators.Status);
        Assert.Equal("Covered by a federal programme", elevators.CancellationReason);
        Assert.DoesNotContain("mogilevliftmash", agreement.Organisations);
        var amended = (AgreementAmended)agreement.Pending.Single().Materialise().Message;
        Assert.Equal(new CancelledCommitment("elevators", "Covered by a federal programme"), Assert.Single(amended.Cancelled));
    }

    [Fact]
    public void A_cancelled_commitment_can_be_added_back_with_new_content()
    {
        var agreement = Recorded();
        Amendments.Apply(agreement, Check(agreement, new AmendmentRequest(1, null, null, [new CancelRequest("elevators", "Postponed")], null)).Change!, "s", Now);

        var (readd, errors, state) = Check(agreement, new AmendmentRequest(2, [AgreementRulesTests.Commitment("elevators") with { Lead = "mogilevliftmash", CoExecutors = [], Summary = "Modernise 300 elevators" }], null, null, null));
        Assert.False(errors.Any || state.Any);
        Amendments.Apply(agreement, readd!, "s", Now);

        var elevators = agreement.Commitments.Single(c => c.Key == "elevators");
        Assert.Equal((CommitmentStatus.Active, "Modernise 300 elevators"), (elevators.Status, elevators.Summary));
        Assert.Equal(2, agreement.Commitments.Count);
    }

    [Fact]
    public void Earlier_versions_are_rebuilt_from_the_history()
    {
        var agreement = Recorded();
        Amendments.Apply(agreement, Check(agreement, new AmendmentRequest(1, [AgreementRulesTests.Commitment("peat") with { Lead = "by-energy", CoExecutors = [] }], null, null, null)).Change!, "s", Now);
        Amendments.Apply(agreement, Check(agreement, new AmendmentRequest(2, null, [new CommitmentChangeRequest("buses", "Supply 50 MAZ buses", null, null, null, null)], [new CancelRequest("elevators", "Done elsewhere")], null)).Change!, "s", Now);

        var v1 = Amendments.AsOf(agreement, 1);
        var v2 = Amendments.AsOf(agreement, 2);

        Assert.Equal(["buses", "elevators"], v1.Commitments.Select(c => c.Key));
        Assert.Equal("Expand supplies of MAZ buses", v1.Commitments[0].Summary);
        Assert.Equal(["buses", "elevators", "peat"], v2.Commitments.Select(c => c.Key));
        Assert.All(v2.Commitments, c => Assert.Equal(CommitmentStatus.Active, c.Status));
        Assert.Equal("Supply 50 MAZ buses", agreement.Commitments[0].Summary);
        Assert.Equal(CommitmentStatus.Cancelled, agreement.Commitments[1].Status);
    }

    public static TheoryData<string, AmendmentRequest, int, string, string> Refusals => new()
    {
        { "empty", new AmendmentRequest(1, [], [], [], null), 400, "$", "at least one commitment" },
        { "add an active key", new AmendmentRequest(1, [AgreementRulesTests.Commitment("buses")], null, null, null), 422, "add[0].key", "already an active commitment" },
        { "change an unknown key", new AmendmentRequest(1, null, [new CommitmentChangeRequest("trams", "x", null, null, null, null)], null, null), 422, "change[0].key", "not an active commitment" },
        { "change nothing", new AmendmentRequest(1, null, [new CommitmentChangeRequest("buses", "Expand supplies of MAZ buses", null, null, null, null)], null, null), 422, "change[0]", "changes nothing" },
        { "cancel without reason", new AmendmentRequest(1, null, null, [new CancelRequest("buses", "")], null), 400, "cancel[0].reason", "is required" },
        { "same key twice", new AmendmentRequest(1, null, [new CommitmentChangeRequest("buses", "x", null, null, null, null)], [new CancelRequest("buses", "r")], null), 400, "$", "more than once" },
        { "due date and urgency", new AmendmentRequest(1, null, [new CommitmentChangeRequest("buses", null, null, null, new DateOnly(2027, 1, 1), "urgent")], null, null), 400, "change[0].urgency", "either dueDate or urgency" },
        { "new lead is a co-executor", new AmendmentRequest(1, null, [new CommitmentChangeRequest("buses", null, "belkommunmash", null, null, null)], null, null), 400, "change[0].lead", "co-executor" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Refused_amendments_name_the_field_and_change_nothing(string rule, AmendmentRequest request, int status, string field, string reason)
    {
        var agreement = Recorded();
        var (change, errors, state) = Check(agreement, request);

        Assert.Null(change);
        var reported = status == 400 ? errors : state;
        Assert.True(reported.ToDictionary().TryGetValue(field, out var reasons), $"{rule}: {string.Join(", ", errors.ToDictionary().Keys.Concat(state.ToDictionary().Keys))}");
        Assert.Contains(reasons, r => r.Contains(reason, StringComparison.Ordinal));
        Assert.Equal(1, agreement.Revision);
        Assert.Empty(agreement.Pending);
    }

    [Fact]
    public void Reconciliation_republishes_the_unplanned_versions_with_their_original_ids_and_content()
    {
        var agreement = Recorded();
        Amendments.Apply(agreement, Check(agreement, new AmendmentRequest(1, null, null, [new CancelRequest("elevators", "Postponed")], null)).Change!, "s", Now);
        var original = agreement.Pending.Single();
        agreement.Pending.Clear();
        agreement.PlannedVersion = 0;

        Reconciliation.Republish(agreement, Now.AddMinutes(5));

        Assert.Equal(2, agreement.Pending.Count);
        var recorded = (AgreementRecorded)agreement.Pending[0].Materialise().Message;
        Assert.Equal((1, 2), (recorded.Version, recorded.Commitments.Count));
        Assert.Equal(Amendments.RecordedMessageId(agreement.Id), agreement.Pending[0].MessageId);
        Assert.Equal(original.MessageId, agreement.Pending[1].MessageId);
        Assert.Equal(original.Body, agreement.Pending[1].Body);
        Assert.Equal(Now.AddMinutes(5), agreement.ReconciledAt);

        agreement.Pending.Clear();
        agreement.PlannedVersion = 1;
        Reconciliation.Republish(agreement, Now);
        Assert.Equal(2, ((AgreementAmended)Assert.Single(agreement.Pending).Materialise().Message).Version);
    }
}
