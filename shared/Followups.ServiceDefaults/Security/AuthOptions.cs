namespace Followups.ServiceDefaults.Security;

/// <summary>
/// <c>Auth:*</c>: how tokens are validated. Exactly one key source: <see cref="SigningKey"/> or
/// <see cref="SigningKeyFile"/> (HMAC-SHA256, tokens Followups mints itself) or <see cref="PublicKeyFile"/> (RSA-SHA256,
/// tokens an identity provider signs). There is no default key: a host without one refuses to start.
/// </summary>
public sealed class AuthOptions
{
    public string Issuer { get; set; } = "followups";
    public string Audience { get; set; } = "followups-api";

    /// <summary>A base64 HMAC key of at least 32 bytes.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A file holding a base64 HMAC key; relative paths are taken from the working directory.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>Create <see cref="SigningKeyFile"/> with a random key when it does not exist (standalone mode).</summary>
    public bool CreateSigningKey { get; set; }

    /// <summary>A PEM file with the identity provider's RSA public key; tokens must then be RS256.</summary>
    public string? PublicKeyFile { get; set; }

    /// <summary>Lifetime of tokens minted by the <c>token</c> command unless it is given one.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Allowed difference between our clock and the issuer's.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>API keys of machine clients by name, each stored only as the SHA-256 of the key.</summary>
    public Dictionary<string, ApiKeyOptions> ApiKeys { get; set; } = new(StringComparer.Ordinal);
}

/// <summary><c>Auth:ApiKeys:{name}:*</c>: one machine client.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Lower-case hex SHA-256 of the key; the key itself is never stored.</summary>
    public string Hash { get; set; } = "";

    /// <summary>Comma-separated roles.</summary>
    public string Roles { get; set; } = "";

    public string? Organisation { get; set; }
}
