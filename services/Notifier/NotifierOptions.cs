namespace Followups.Notifier;

/// <summary>The notifier's settings, bound from the <c>Notifier</c> configuration section.</summary>
public sealed class NotifierOptions
{
    /// <summary>Where recipients follow links to their tasks, e.g. <c>https://followups.example.org</c>.</summary>
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    public SmtpOptions Smtp { get; set; } = new();
    public DeliveryOptions Delivery { get; set; } = new();
}

/// <summary>The SMTP server e-mail goes through. Without a <see cref="Host"/>, e-mail is held (status <c>held</c>), not lost.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    public SmtpSecurity Security { get; set; } = SmtpSecurity.None;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "Followups <followups@localhost>";

    /// <summary>
    /// SHA-256 (or SHA-1) thumbprints, in hex, of server certificates to trust even though the platform does not: a
    /// private CA's server or a test server's self-signed certificate. Certificates are validated as usual otherwise;
    /// there is deliberately no switch that accepts any certificate.
    /// </summary>
    public List<string> TrustedCertificateThumbprints { get; set; } = [];

    /// <summary>How many connections are kept open between messages (at most one message at a time each).</summary>
    public int Connections { get; set; } = 4;

    /// <summary>A connection idle longer than this is closed instead of reused.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(1);
}

public enum SmtpSecurity
{
    None,
    StartTls,
    Tls,
}

/// <summary>Timing of the delivery worker and of each endpoint's resilience pipeline.</summary>
public sealed class DeliveryOptions
{
    /// <summary>How often the worker looks for closed windows and messages to send.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many messages are sent at once (different organisations or channels; one message is never sent twice at once).</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary>How long an "immediate" notice waits for the rest of its burst (an agreement and its tasks) before it goes.</summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Delivery rounds (each one a full pipeline run) before a message is marked failed.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Wait before the second round; doubled for each further one.</summary>
    public TimeSpan RoundBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the worker looks for what a crash left half-done (notices claimed by a digest that was never stored, or
    /// not showing their digest's outcome). Not every round: under load that look reads every notice waiting in a digest.
    /// </summary>
    public TimeSpan RecoverInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A message left "sending" longer than this (its worker crashed) is sent again, with the same Message-ID.</summary>
    public TimeSpan SendingLease { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);
    public int Retries { get; set; } = 3;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    public int BreakerMinimumThroughput { get; set; } = 4;
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
