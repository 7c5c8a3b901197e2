using Followups.Contracts;
using Followups.ServiceDefaults;

namespace Followups.UnitTests;

public sealed class MessageRulesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static AgreedCommitment Commitment(string lead = "maz") =>
        new("buses", "Prepare proposals", "passenger-transport", "supply", lead, ["belkommunmash"], null);

    private static AgreementRecorded Recorded(params AgreedCommitment[] commitments) => new(
        "a-1", 1, "Talks in Minsk", new DateOnly(2026, 11, 20), [new AgreementParty("by", "Republic of Belarus", "BY")], commitments, At);

    [Fact]
    public void A_complete_message_has_no_problems()
    {
        Assert.Empty(MessageRules.Problems(Recorded(Commitment())));
        Assert.Empty(MessageRules.Problems(new TaskAssigned("t-1", "a-1", "buses", "Proposal", "maz", "lead", new DateOnly(2026, 12, 1), At)));
    }

    [Fact]
    public void Each_missing_or_broken_field_is_named()
    {
        var broken = Recorded(Commitment(lead: ""), null!) with { Title = null!, Version = 0, ConcludedOn = default };
        string[] expected = ["title: is required", "version: must be 1 or more", "concludedOn: is required", "commitments[0].lead: is empty", "commitments[1]: is empty"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), MessageRules.Problems(broken).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("maz\u0000")]
    [InlineData("maz\r\nBcc: all")]
    public void An_identifier_with_control_characters_is_refused(string organisation)
    {
        var problems = MessageRules.Problems(new TaskOverdue("t-1", "a-1", "buses", "Proposal", organisation, new DateOnly(2026, 12, 1), At));
        Assert.Equal(["responsibleOrg: is not an identifier (at most 200 characters, no control characters)"], problems);
    }

    [Fact]
    public void An_identifier_longer_than_the_limit_is_refused_but_long_text_is_not()
    {
        Assert.Single(MessageRules.Problems(new TaskOverdue(new string('t', 201), "a-1", "buses", "Proposal", "maz", new DateOnly(2026, 12, 1), At)));
        Assert.Empty(MessageRules.Problems(new TaskOverdue("t-1", "a-1", "buses", new string('x', 5000), "maz", new DateOnly(2026, 12, 1), At)));
    }

    [Fact]
    public void Optional_members_may_be_absent()
    {
        Assert.Empty(MessageRules.Problems(new TaskCancelled("t-1", "a-1", "buses", "maz", "Commitment cancelled", At, Title: null)));
        Assert.Empty(MessageRules.Problems(new TaskEscalated("t-1", "a-1", "buses", "Proposal", "maz", null, new DateOnly(2026, 12, 1), 3, At)));
    }
}
