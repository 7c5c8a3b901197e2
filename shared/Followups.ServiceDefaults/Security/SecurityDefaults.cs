using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Followups.ServiceDefaults.Security;

/// <summary><c>Security:*</c>: request limits every host applies.</summary>
public sealed class SecurityOptions
{
    /// <summary>Requests each client may make per second on average (token bucket).</summary>
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>Requests a client may make at once before the average applies.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>Largest request body any endpoint accepts; single endpoints may set less.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>A request still running after this is answered 504 and its work cancelled.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Authentication, authorisation and request hardening shared by every host.</summary>
public static class SecurityDefaults
{
    private const string Selector = "Followups";

    public static IHostApplicationBuilder AddFollowupsSecurity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<AuthOptions>(builder.Configuration.GetSection("Auth"));
        services.Configure<SecurityOptions>(builder.Configuration.GetSection("Security"));
        services.AddHttpContextAccessor();

        // Options are read when the host is built, not now, so settings added late (tests, hosting layers) count.
        services.AddAuthentication(Selector)
            .AddPolicyScheme(Selector, null, o => o.ForwardDefaultSelector = http =>
                http.RequestServices.GetRequiredService<IOptions<PathSchemes>>().Value.For(http.Request.Path)
                ?? (http.Request.Headers.ContainsKey(ApiKeys.Header) ? ApiKeys.Scheme : JwtBearerDefaults.AuthenticationScheme))
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeys.Scheme, null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((o, auth) =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = Tokens.ValidationParameters(auth.Value);
        });
        // Loads (or in standalone mode creates) the key at start: a host without one fails then, not at the first request.
        services.AddHostedService<KeyCheck>();

        // An endpoint nobody gave a rule still requires a signed-in caller.
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var limits = http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
                return RateLimitPartition.GetTokenBucketLimiter(ClientOf(http), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst,
                    TokensPerPeriod = limits.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, cancellationToken) =>
            {
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = "1";
                await Results.Problem(title: "Too many requests from this client; slow down and retry after a second.", statusCode: 429)
                    .ExecuteAsync(context.HttpContext);
            };
        });
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<SecurityOptions>>((o, limits) => o.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = limits.Value.RequestTimeout,
            TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
        });
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<SecurityOptions>>((o, limits) =>
        {
            o.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes;
            o.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            o.AddServerHeader = false;
        });
        return builder;
    }

    /// <summary>
    /// Authenticates requests under <paramref name="path"/> with <paramref name="scheme"/> instead of a bearer token or an
    /// API key: the dashboard's pages, which a browser opens with its sign-in cookie. Everything else keeps the headers.
    /// </summary>
    public static AuthenticationBuilder ForwardPath(this AuthenticationBuilder builder, PathString path, string scheme)
    {
        builder.Services.Configure<PathSchemes>(o => o.Paths.Add((path, scheme)));
        return builder;
    }

    /// <summary>Security headers, authentication, authorisation, per-client rate limit and request timeouts, in that order.</summary>
    public static WebApplication UseFollowupsSecurity(this WebApplication app)
    {
        app.Use(SecurityHeaders);
        app.Use(DeclaredBodyLimit);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        return app;
    }

    private static Task SecurityHeaders(HttpContext http, Func<Task> next)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (http.Request.Path.StartsWithSegments("/ui"))
        {
            headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
        }
        else
        {
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            headers.CacheControl = "no-store";
        }

        return next();
    }

    // A declared length over the limit is refused before anything reads the body; Kestrel's own limit catches the rest.
    // The unread body leaves the connection unusable, so the answer says "Connection: close": a client that pools
    // connections then sends its next request on a new one instead of down the one being closed. Set when the response
    // starts, because the exception handler clears the headers before it writes the problem details.
    private static Task DeclaredBodyLimit(HttpContext http, Func<Task> next)
    {
        var limit = http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.MaxRequestBodyBytes;
        if (http.Request.ContentLength is not { } length || length <= limit)
        {
            return next();
        }

        http.Response.OnStarting(() =>
        {
            http.Response.Headers.Connection = "close";
            return Task.CompletedTask;
        });
        throw new Microsoft.AspNetCore.Http.BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
    }

    // A signed-in client is limited by who it is, everyone else by address.
    private static string ClientOf(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true
            ? "user:" + Caller.From(http.User).Actor
            : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}

/// <summary>Builds the token rules when the host starts, so a missing or broken key stops it with a clear message.</summary>
internal sealed class KeyCheck(IOptionsMonitor<JwtBearerOptions> options) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = options.Get(JwtBearerDefaults.AuthenticationScheme);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Paths whose requests another authentication scheme handles; see <see cref="SecurityDefaults.ForwardPath"/>.</summary>
public sealed class PathSchemes
{
    public List<(PathString Path, string Scheme)> Paths { get; } = [];

    public string? For(PathString path) => Paths.FirstOrDefault(p => path.StartsWithSegments(p.Path)).Scheme;
}
