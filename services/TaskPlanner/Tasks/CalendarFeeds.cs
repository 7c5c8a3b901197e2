using System.Security.Cryptography;
using System.Text;
using Followups.ServiceDefaults;
using Followups.ServiceDefaults.Security;
using Followups.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Followups.TaskPlanner.Tasks;

/// <summary>
/// A subscription URL for a calendar client, which cannot send a bearer token: the URL carries its own random token.
/// Only the token's SHA-256 is stored, so a copy of the database does not open anyone's feed.
/// </summary>
public sealed class CalendarFeed : AggregateDocument
{
    public string TokenHash { get; set; } = "";
    public string Organisation { get; set; } = "";
    public string Owner { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
}

/// <summary>Body of <c>POST /api/v1/calendar-feeds</c>; a member's feed is of its own organisation when none is named.</summary>
public sealed record NewFeedRequest(string? Org);

/// <summary>A feed as its owner sees it. <see cref="Url"/> is present only in the answer that created it.</summary>
public sealed record FeedView(string Id, string Org, string Owner, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string? Url)
{
    public static FeedView From(CalendarFeed f, string? url = null) => new(f.Id, f.Organisation, f.Owner, f.CreatedAt, f.RevokedAt, url);
}

/// <summary>Creating, listing and revoking calendar feeds, and serving a feed by its token.</summary>
public static class CalendarFeeds
{
    public const string Path = "/api/v1/calendar-feeds";

    public static void MapCalendarFeeds(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Path).WithTags("Calendar feeds");
        group.MapPost("/", Create).Allow(TaskAccess.Readers);
        group.MapGet("/", List).Allow(TaskAccess.Readers);
        group.MapDelete("/{id}", Revoke).Allow(TaskAccess.Readers);
        // The token in the URL is the credential: calendar clients subscribe without signing in.
        group.MapGet("/{token}/deadlines.ics", Serve).Anonymous();
    }

    internal static async Task<IResult> Create(
        NewFeedRequest? request, Caller caller, IDocumentStore<CalendarFeed> feeds, TimeProvider clock, CancellationToken cancellationToken)
    {
        var org = request?.Org?.Trim() ?? caller.ScopeFor(TaskAccess.SeeAll);
        if (string.IsNullOrEmpty(org))
        {
            return new FieldErrors().Add("org", "is required: the organisation whose open deadlines the feed holds").ToBadRequest();
        }

        if (org.Length > 100)
        {
            return new FieldErrors().Add("org", "must be at most 100 characters").ToBadRequest();
        }

        if (!caller.MaySee([org], TaskAccess.SeeAll))
        {
            return new FieldErrors().Add("org", "must be your own organisation").ToUnprocessable("A member subscribes to its own organisation's deadlines only.");
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var feed = new CalendarFeed
        {
            Id = Guid.CreateVersion7().ToString(), TokenHash = Hash(token), Organisation = org, Owner = caller.Actor, CreatedAt = clock.GetUtcNow(),
        };
        await feeds.Insert(feed, cancellationToken);
        return TypedResults.Created($"{Path}/{feed.Id}", FeedView.From(feed, $"{Path}/{token}/deadlines.ics"));
    }

    internal static async Task<Ok<Page<FeedView>>> List(Caller caller, IDocumentStore<CalendarFeed> feeds, CancellationToken cancellationToken)
    {
        var actor = caller.Actor;
        var mine = await feeds.Query(f => f.Owner == actor, 200, f => f.CreatedAt, cancellationToken, descending: true);
        return TypedResults.Ok(new Page<FeedView>(mine.Select(f => FeedView.From(f)).ToList()));
    }

    internal static async Task<IResult> Revoke(string id, Caller caller, IDocumentStore<CalendarFeed> feeds, TimeProvider clock, CancellationToken cancellationToken)
    {
        // The owner revokes its feed; the secretariat may revoke any, e.g. when someone leaves an organisation.
        if (await feeds.Find(id, cancellationToken) is not { } feed || (feed.Owner != caller.Actor && !caller.Is(Roles.Secretariat)))
        {
            return TypedResults.NotFound();
        }

        if (feed.RevokedAt is null)
        {
            (feed.RevokedAt, feed.RevokedBy) = (clock.GetUtcNow(), caller.Actor);
            await feeds.Replace(feed, cancellationToken);
        }

        return TypedResults.NoContent();
    }

    internal static async Task<IResult> Serve(string token, IDocumentStore<CalendarFeed> feeds, IDocumentStore<FollowupTask> tasks, TimeProvider clock, CancellationToken cancellationToken)
    {
        var hash = Hash(token);
        var found = token.Length is > 20 and < 100 ? await feeds.Query(f => f.TokenHash == hash, 1, cancellationToken: cancellationToken) : [];
        if (found is not [{ RevokedAt: null } feed])
        {
            return TypedResults.NotFound();
        }

        var open = await TaskExports.OpenDeadlines(feed.Organisation, tasks, cancellationToken);
        return TypedResults.Text(TaskExports.ToICalendar(feed.Organisation, open, clock.GetUtcNow()), "text/calendar; charset=utf-8");
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
