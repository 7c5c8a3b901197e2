using System.Security.Cryptography;
using System.Text.Json;
using Followups.ServiceDefaults;
using Followups.Storage;

namespace Followups.AgreementCapture.Agreements;

/// <summary><c>Idempotency-Key</c> handling: a retried request returns the first response instead of acting twice.</summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The key of the request, null when none was sent; a malformed key is a field error.</summary>
    public static string? Key(HttpContext http, FieldErrors errors)
    {
        if (!http.Request.Headers.TryGetValue(Header, out var values))
        {
            return null;
        }

        var key = values.ToString();
        if (key.Length is 0 or > 200 || key.Any(c => c < 0x21 || c > 0x7e))
        {
            errors.Add(Header, "must be 1–200 printable ASCII characters without spaces");
            return null;
        }

        return key;
    }

    /// <summary>A hash of the request as parsed, so that formatting differences do not count as a different body.</summary>
    public static string Fingerprint<T>(T request) =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, Json)));
}

/// <summary>Claims an agreement reference for one agreement: the document id is the reference, so the claim is unique.</summary>
public sealed class AgreementReference : AggregateDocument
{
    public string AgreementId { get; set; } = "";
    public DateTimeOffset ClaimedAt { get; set; }

    public static string IdFor(string reference) => reference.Trim().ToUpperInvariant();
}
