using Followups.Notifier.Directory;
using Followups.ServiceDefaults;
using Followups.Storage;
using Microsoft.Extensions.Options;

namespace Followups.Notifier.Delivery;

/// <summary>
/// Bundles notices whose digest window closed into one message per organisation and channel, and sends due messages.
/// A message is marked <c>sending</c> (version-guarded, so one worker of many sends it) before the SMTP or webhook call
/// and <c>sent</c> after it; one left <c>sending</c> by a crash is sent again after <see cref="DeliveryOptions.SendingLease"/>.
/// </summary>
public sealed partial class DeliveryWorker(
    IDocumentStore<Notification> notices,
    IDocumentStore<Digest> digests,
    IDocumentStore<Organisation> directory,
    EmailChannel email,
    WebhookChannel webhooks,
    DeliveryPipelines pipelines,
    TimeProvider clock,
    IOptions<NotifierOptions> options,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    private const int Batch = 500;

    /// <summary>Messages sent before their outcomes are copied to their notices in one write.</summary>
    private const int Chunk = 32;

    /// <summary>
    /// Windows bundled before their two writes, one for the notices' claims and one for the new messages. More per write
    /// means fewer commits; fewer means less held at once (16 and 32 were within the noise of each other, measured).
    /// </summary>
    private const int BundleChunk = 16;

    /// <summary>
    /// About the most notices one write of claims or outcomes takes. LiteDB holds every page a write touches in its cache
    /// until the commit, and the cache keeps what it once needed: under a backlog, 32 messages' outcomes were one write of
    /// up to 4,500 notices and 6,500 pages (50 MB), the notifier's peak. A write stops at a window's or a message's end,
    /// so one may hold up to one more window's notices. Measured over 600 agreements: 2,000 left the peak 10-15 MB
    /// higher; 500 and 700 gave 2-3 MB less than 1,000 for 5-10 % more CPU per notice (more commits).
    /// </summary>
    private const int NoticesPerWrite = 1_000;
    private const string SmtpMissing = "e-mail is held: Notifier:Smtp:Host is not configured";
    private readonly SemaphoreSlim _round = new(1, 1);
    private readonly GroupedWrites<Digest> _writes = new(digests.ReplaceMany);
    private DateTimeOffset _recoveredAt = DateTimeOffset.MinValue;

    private DeliveryOptions Settings => options.Value.Delivery;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!email.Configured)
        {
            LogSmtpMissing();
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnce(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(e);
            }

            try
            {
                await Task.Delay(Settings.PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round: bundle closed windows, finish what a crash left half-done (every <see cref="DeliveryOptions.RecoverInterval"/>), send what is due.</summary>
    public async Task RunOnce(CancellationToken cancellationToken)
    {
        await _round.WaitAsync(cancellationToken);
        try
        {
            var behind = await Bundle(cancellationToken);
            if (clock.GetUtcNow() - _recoveredAt >= Settings.RecoverInterval)
            {
                await Recover(behind, cancellationToken);
                _recoveredAt = clock.GetUtcNow();
            }

            await SendDue(cancellationToken);
        }
        finally
        {
            _round.Release();
        }
    }

    /// <summary>
    /// Bundles every organisation and channel with a closed window into its message. The claims of up to
    /// <see cref="BundleChunk"/> windows, or of about <see cref="NoticesPerWrite"/> notices, are one write and their new
    /// messages another, not two writes per message: each LiteDB commit rewrites whole index pages, and the writes per
    /// message were most of what the notifier wrote. The chunk bounds what one write holds: the composed messages, and
    /// the pages LiteDB keeps until the commit.
    /// </summary>
    /// <returns>Whether the round is behind: it found a full page of due notices, so more may be due.</returns>
    private async Task<bool> Bundle(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var due = await notices.PageByRange(n => n.PendingKey!, null, DeliveryQueue.DueBy(now), n => true, Batch, cancellationToken);
        var claims = new List<(Notification Notice, string DigestId)>();
        var windows = new List<(string DigestId, string Org, string Channel)>();
        foreach (var group in due.GroupBy(n => (n.RecipientOrg, n.Channel)))
        {
            var (org, channel) = group.Key;
            // Everything still pending for this organisation and channel rides along: one message per window, not one per
            // notice. The due ones found above are added: a notice stored before WaitingFor existed has no key.
            var waiting = Notification.WaitingKey(org, channel);
            var pending = (await notices.Query(n => n.WaitingFor == waiting, Batch, n => n.DueAt, cancellationToken))
                .Where(n => n.Status == NotificationStatus.Pending)
                .UnionBy(group, n => n.Id)
                .OrderBy(n => n.DueAt).ThenBy(n => n.Id, StringComparer.Ordinal).ToList();
            if (pending.Count == 0)
            {
                continue;
            }

            var digestId = DigestRules.IdFor(org, channel, pending[0]);
            claims.AddRange(pending.Select(n => (n, digestId)));
            windows.Add((digestId, org, channel));
            if (windows.Count == BundleChunk || claims.Count >= NoticesPerWrite)
            {
                await Claim(claims, cancellationToken);
                await MakeDigests(windows, cancellationToken);
                (claims, windows) = ([], []);
            }
        }

        await Claim(claims, cancellationToken);
        await MakeDigests(windows, cancellationToken);
        return due.Count == Batch;
    }

    /// <summary>Moves pending notices into their digests: one batch write, each notice still version-guarded on its own.</summary>
    private async Task Claim(IReadOnlyList<(Notification Notice, string DigestId)> claims, CancellationToken cancellationToken)
    {
        var batch = claims;
        for (var attempt = 0; attempt < 3 && batch.Count > 0; attempt++)
        {
            foreach (var (notice, digestId) in batch)
            {
                (notice.Status, notice.DigestId) = (NotificationStatus.Batched, digestId);
            }

            var landed = await notices.ReplaceMany(batch.Select(c => c.Notice).ToList(), cancellationToken);
            // Those another worker changed meanwhile are read again; only those still pending are claimed.
            var again = new List<(Notification, string)>();
            for (var i = 0; i < batch.Count; i++)
            {
                if (!landed[i] && await notices.Find(batch[i].Notice.Id, cancellationToken) is { Status: NotificationStatus.Pending } current)
                {
                    again.Add((current, batch[i].DigestId));
                }
            }

            batch = again;
        }
    }

    /// <summary>Stores the messages of claimed notices, those not stored yet, in one write.</summary>
    private async Task MakeDigests(IReadOnlyList<(string DigestId, string Org, string Channel)> windows, CancellationToken cancellationToken)
    {
        var made = new List<Digest>();
        foreach (var (digestId, org, channel) in windows)
        {
            if (await digests.Find(digestId, cancellationToken) is not null)
            {
                continue;
            }

            // Read back rather than taken from the claim: another worker may have claimed some of them for the same id.
            var members = await notices.Query(n => n.DigestId == digestId, Batch * 2, n => n.CreatedAt, cancellationToken);
            if (members.Count > 0)
            {
                var recipient = await directory.Find(org, cancellationToken);
                made.Add(DigestRules.Compose(digestId, org, channel, recipient, members, options.Value.PublicBaseUrl, clock.GetUtcNow()));
            }
        }

        // Not stored where another worker made it first: the same id, the same notices.
        await digests.InsertMany(made, cancellationToken);
    }

    /// <summary>
    /// Notices claimed by a digest that a crash kept from being stored, or whose digest's outcome they do not show yet; and,
    /// once a round has caught up, pending notices and messages without a queue key.
    /// </summary>
    /// <param name="behind">
    /// The round found a full page of due notices. The look for notices and messages without a queue key then waits for a
    /// round that has caught up: it reads every pending notice, which under a backlog of tens of thousands was the
    /// notifier's largest read (5,300 pages held at once, and the cache keeps what it once needed).
    /// </param>
    private async Task Recover(bool behind, CancellationToken cancellationToken)
    {
        if (!behind)
        {
            await KeyStragglers(cancellationToken);
        }

        // In the status index's own order ("batched" sorts first of the statuses), not by time of creation: ordered by
        // CreatedAt, a backlog of over a thousand claimed notices was read whole and sorted at every look, 5,300 pages
        // held in one read at the notifier's peak. On LiteDB the index keeps equal keys in the order they were written,
        // so the longest claimed come first.
        var batched = await notices.PageByRange(
            n => n.Status, null, NotificationStatus.Batched, n => n.Status == NotificationStatus.Batched, Batch, cancellationToken);
        foreach (var group in batched.Where(n => n.DigestId is not null).GroupBy(n => n.DigestId!))
        {
            var digest = await digests.Find(group.Key, cancellationToken);
            if (digest is null)
            {
                await MakeDigests([(group.Key, group.First().RecipientOrg, group.First().Channel)], cancellationToken);
                continue;
            }

            await Release(group.ExceptBy(digest.NoticeIds, n => n.Id).ToList(), cancellationToken);
            if (digest.Status is NotificationStatus.Sent or NotificationStatus.Failed or NotificationStatus.Held)
            {
                await Mirror(digest, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Puts notices claimed for a message that does not carry them back in the queue, for the next round to bundle.
    /// With several instances on MongoDB, whose batch writes land one document at a time, one instance's recovery look
    /// can make a message from the notices of a window whose claims another instance is still writing; the claims
    /// that land after it name a message that was made without them.
    /// </summary>
    private async Task Release(IReadOnlyList<Notification> stranded, CancellationToken cancellationToken)
    {
        foreach (var notice in stranded)
        {
            (notice.Status, notice.DigestId) = (NotificationStatus.Pending, null);
        }

        await notices.ReplaceMany(stranded, cancellationToken);
    }

    /// <summary>
    /// Rounds find due work through <see cref="Notification.PendingKey"/> and <see cref="Digest.SendKey"/> only. An earlier
    /// version wrote pending notices and messages without them: before this one started, or while it still runs beside
    /// this one during an upgrade (a retry through its API, too). Writing those back gives them their keys, and the next
    /// look finds them. Found through the status index, so this reads the pending ones only.
    /// </summary>
    private async Task KeyStragglers(CancellationToken cancellationToken)
    {
        await notices.WriteBack(n => n.Status == NotificationStatus.Pending && n.PendingKey == null, cancellationToken: cancellationToken);
        await digests.WriteBack(d => d.Status == NotificationStatus.Pending && d.SendKey == null, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Sends what is due: the pending messages, oldest first and a chunk at a time (each holds its composed e-mail or
    /// payload, so a round's worth at once would be tens of MB), up to <see cref="Batch"/> a round; then those a crashed
    /// worker left <c>sending</c> past the lease, and those held while SMTP was not configured.
    /// </summary>
    private async Task SendDue(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        string? after = null;
        for (var taken = 0; taken < Batch;)
        {
            var chunk = await digests.PageByRange(d => d.SendKey!, after, DeliveryQueue.DueBy(now), d => true, Chunk, cancellationToken);
            if (chunk.Count == 0)
            {
                break;
            }

            // Taken before sending, which changes the keys: a message retried at once (a zero backoff) waits for the next round.
            after = chunk[^1].SendKey;
            await SendChunk(chunk, cancellationToken);
            taken += chunk.Count;
        }

        var leaseStart = now - Settings.SendingLease;
        var stuck = (await digests.Query(d => d.Status == NotificationStatus.Sending, Batch, d => d.CreatedAt, cancellationToken)).Where(d => d.SendingSince <= leaseStart);
        if (email.Configured)
        {
            // Held while SMTP was not configured; it is now.
            stuck = stuck.Concat(await digests.Query(d => d.Status == NotificationStatus.Held && d.Channel == Channels.Email, Batch, d => d.CreatedAt, cancellationToken));
        }

        foreach (var chunk in stuck.Chunk(Chunk))
        {
            await SendChunk(chunk, cancellationToken);
        }
    }

    /// <summary>
    /// Different messages at once, <see cref="DeliveryOptions.Parallelism"/> at a time: each waits mostly on its SMTP
    /// server or webhook endpoint. Their outcomes reach the notices in one write (a crash before it leaves that to
    /// Recover).
    /// </summary>
    private async Task SendChunk(IReadOnlyList<Digest> chunk, CancellationToken cancellationToken)
    {
        var settled = new System.Collections.Concurrent.ConcurrentQueue<Digest>();
        await Parallel.ForEachAsync(
            chunk,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(Settings.Parallelism, 1), CancellationToken = cancellationToken },
            async (digest, token) =>
            {
                if (await Deliver(digest, token))
                {
                    settled.Enqueue(digest);
                }
            });
        await MirrorAll(settled.ToList(), cancellationToken);
    }

    /// <summary>
    /// Claims one message, sends it when the claim landed, and records its outcome; true when the outcome was recorded,
    /// for the notices to mirror. The claim is written right before the send and the outcome right after it, each in a
    /// group commit (<see cref="_writes"/>) shared only with the claims and outcomes of the other messages being sent
    /// that came while the write before was in progress: the window in which a crash makes a message go twice stays one
    /// write long, and the claim is as young as it can be when the send starts.
    /// </summary>
    private async Task<bool> Deliver(Digest digest, CancellationToken cancellationToken)
    {
        if (digest.Channel == Channels.Email && !email.Configured)
        {
            if (digest.Status == NotificationStatus.Held)
            {
                return false;
            }

            (digest.Status, digest.LastError) = (NotificationStatus.Held, SmtpMissing);
            return await Write(digest);
        }

        // The claim: only the worker whose version-guarded write lands sends this message.
        (digest.Status, digest.SendingSince) = (NotificationStatus.Sending, clock.GetUtcNow());
        digest.Attempts++;
        if (!await Write(digest))
        {
            return false;
        }

        await Attempt(digest, cancellationToken);
        return await Write(digest);
    }

    /// <summary>
    /// One message's write through the group commit. Waited for even when the round is being cancelled: a write in
    /// progress ends before the round does, so the store is never closed under it.
    /// </summary>
    private async Task<bool> Write(Digest digest) => (await _writes.Write([digest], CancellationToken.None))[0];

    /// <summary>Sends one claimed message and sets its outcome on it, not yet written: sent, failed, or due again later.</summary>
    private async Task Attempt(Digest digest, CancellationToken cancellationToken)
    {
        string? error = null;
        var permanent = false;
        try
        {
            await Send(digest, cancellationToken);
        }
        catch (PermanentDeliveryException e)
        {
            (error, permanent) = (e.Message, true);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            error = e.Message;
        }

        var now = clock.GetUtcNow();
        digest.SendingSince = null;
        digest.LastError = error;
        if (error is null)
        {
            (digest.Status, digest.SentAt) = (NotificationStatus.Sent, now);
        }
        else if (permanent || digest.Attempts >= Settings.MaxAttempts)
        {
            digest.Status = NotificationStatus.Failed;
            LogFailed(digest.Id, digest.RecipientOrg, digest.Channel, error);
        }
        else
        {
            digest.Status = NotificationStatus.Pending;
            digest.NextAttemptAt = now + (Settings.RoundBackoff * Math.Pow(2, digest.Attempts - 1));
        }
    }

    private async Task Send(Digest digest, CancellationToken cancellationToken)
    {
        if (digest.Addresses.Count == 0)
        {
            throw new PermanentDeliveryException(digest.Channel == Channels.Email
                ? $"'{digest.RecipientOrg}' has no e-mail contact for these notices; add one and retry"
                : $"'{digest.RecipientOrg}' has no webhook endpoint; add one and retry");
        }

        if (digest.Channel == Channels.Email)
        {
            await pipelines.For("smtp").ExecuteAsync(async token => await email.Send(digest, token), cancellationToken);
            return;
        }

        var recipient = await directory.Find(digest.RecipientOrg, cancellationToken);
        foreach (var url in digest.Addresses.Except(digest.DeliveredTo).ToList())
        {
            // The secret is read from the directory at send time: it is kept in one place only.
            if (recipient?.Webhooks.Find(w => w.Url == url) is { } webhook)
            {
                await pipelines.For("webhook:" + url).ExecuteAsync(async token => await webhooks.Send(url, webhook.Secret, digest, token), cancellationToken);
            }

            // Delivered, or the endpoint was removed from the directory meanwhile: either way not to be tried again.
            digest.DeliveredTo.Add(url);
        }
    }

    /// <summary>Copies a digest's outcome to its notices, which the delivery log lists.</summary>
    internal async Task Mirror(Digest digest, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var stale = await Mirrored(digest, cancellationToken);
            if (stale.Count == 0 || (await notices.ReplaceMany(stale, cancellationToken)).All(landed => landed))
            {
                return;
            }
        }
    }

    /// <summary>
    /// <see cref="Mirror"/> for several digests in one batch write; a digest whose notices changed meanwhile (a version
    /// moved on) goes on through <see cref="Mirror"/> alone.
    /// </summary>
    private async Task MirrorAll(IReadOnlyList<Digest> settled, CancellationToken cancellationToken)
    {
        var piece = new List<(Digest Digest, List<Notification> Notices)>();
        foreach (var digest in settled)
        {
            piece.Add((digest, await Mirrored(digest, cancellationToken)));
            if (piece.Sum(p => p.Notices.Count) >= NoticesPerWrite)
            {
                await MirrorPiece(piece, cancellationToken);
                piece = [];
            }
        }

        await MirrorPiece(piece, cancellationToken);
    }

    /// <summary>One write of <see cref="MirrorAll"/>: the outcomes of a few digests' notices.</summary>
    private async Task MirrorPiece(IReadOnlyList<(Digest Digest, List<Notification> Notices)> stale, CancellationToken cancellationToken)
    {
        if (stale.Count == 0)
        {
            return;
        }

        var landed = await notices.ReplaceMany(stale.SelectMany(s => s.Notices).ToList(), cancellationToken);
        var at = 0;
        foreach (var (digest, mirrored) in stale)
        {
            if (landed.Skip(at).Take(mirrored.Count).Contains(false))
            {
                await Mirror(digest, cancellationToken);
            }

            at += mirrored.Count;
        }
    }

    /// <summary>
    /// The notices claimed by <paramref name="digest"/> (through the DigestId index) that do not show its outcome yet, with
    /// the outcome set on them, not yet written.
    /// </summary>
    private async Task<List<Notification>> Mirrored(Digest digest, CancellationToken cancellationToken)
    {
        var status = digest.Status is NotificationStatus.Sent or NotificationStatus.Failed or NotificationStatus.Held ? digest.Status : NotificationStatus.Batched;
        var ids = digest.NoticeIds.ToHashSet(StringComparer.Ordinal);
        var stale = (await notices.Query(n => n.DigestId == digest.Id, Math.Max(ids.Count, 1) * 2, n => n.CreatedAt, cancellationToken))
            .Where(n => ids.Contains(n.Id) && (n.Status != status || n.LastError != digest.LastError))
            .ToList();
        foreach (var notice in stale)
        {
            (notice.Status, notice.SentAt, notice.LastError) = (status, digest.SentAt, digest.LastError);
        }

        return stale;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notifier:Smtp:Host is not configured: e-mail notices are kept with status 'held' until it is")]
    private partial void LogSmtpMissing();

    [LoggerMessage(Level = LogLevel.Error, Message = "A delivery round failed; the next one retries")]
    private partial void LogRoundFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {DigestId} to {Organisation} by {Channel} failed: {Error}")]
    private partial void LogFailed(string digestId, string organisation, string channel, string error);
}
