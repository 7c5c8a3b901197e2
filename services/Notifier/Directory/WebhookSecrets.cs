using Microsoft.AspNetCore.DataProtection;

namespace Followups.Notifier.Directory;

/// <summary>
/// Webhook secrets at rest: stored encrypted with ASP.NET Data Protection (keys under <c>DataProtection:KeysDirectory</c>),
/// decrypted only to sign a request. A copy of the database alone does not let anyone forge our signatures.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private const string Prefix = "dp1:";
    private readonly IDataProtector _protector = provider.CreateProtector("Followups.Notifier.WebhookSecret.v1");

    /// <summary>
    /// Encrypts the webhook's secret unless it already is (a secret kept from <paramref name="stored"/>, whose hint it
    /// keeps too), and records a hint of its last characters for the API.
    /// </summary>
    public void Protect(Webhook webhook, IEnumerable<Webhook>? stored)
    {
        if (webhook.Secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            webhook.SecretHint ??= stored?.FirstOrDefault(s => s.Secret == webhook.Secret)?.SecretHint;
            return;
        }

        webhook.SecretHint = "…" + webhook.Secret[^4..];
        webhook.Secret = Prefix + _protector.Protect(webhook.Secret);
    }

    /// <summary>The secret to sign with; one stored before encryption existed is used as it is.</summary>
    public string Reveal(string stored) =>
        stored.StartsWith(Prefix, StringComparison.Ordinal) ? _protector.Unprotect(stored[Prefix.Length..]) : stored;
}
