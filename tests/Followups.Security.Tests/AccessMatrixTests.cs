using System.Net;
using System.Net.Http.Json;
using Followups.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Followups.Security.Tests;

/// <summary>
/// Every endpoint × every caller, with the answer each cell must get. The endpoint list comes from the host's route
/// table: an endpoint added without a rule here, or without an access rule where it is mapped, fails the test.
/// </summary>
[Collection(SecuredHostCollection.Name)]
public sealed class AccessMatrixTests(SecuredHost host)
{
    /// <summary>What a cell expects. <see cref="Pass"/>: let through (any answer but 401, 403, 404 or a server error).</summary>
    public enum Cell { Pass, Unauthenticated, Forbidden, Hidden, Unprocessable }

    private const Cell P = Cell.Pass, U = Cell.Unauthenticated, F = Cell.Forbidden, H = Cell.Hidden, R = Cell.Unprocessable;

    /// <summary>The callers, in the order of each row: anonymous, secretariat, manager, admin, member of A, member of B.</summary>
    private static readonly string?[] Callers = [null, SecuredHost.Secretariat, SecuredHost.Manager, SecuredHost.Admin, SecuredHost.MemberA, SecuredHost.MemberB];

    private static readonly string[] CallerNames = ["anonymous", "secretariat", "manager", "admin", "member of A", "member of B"];

    /// <summary>
    /// One row per endpoint: the request (path parameters are A's records; bodies are either invalid, so a permitted
    /// caller gets 400 and nothing changes, or the real action on A's task) and the expected cell per caller. Rows run
    /// in order, so a task is accepted before its progress is reported.
    /// </summary>
    private static IEnumerable<(string Method, string Pattern, string Query, object? Body, Cell[] Cells)> Rows()
    {
        var reason = new { reason = "Checked by the security matrix" };
        return
        [
            ("ANY", "/health/live", "", null, [P, P, P, P, P, P]),
            ("ANY", "/health/ready", "", null, [P, P, P, P, P, P]),
            ("GET", "/openapi/{documentName}.json", "", null, [P, P, P, P, P, P]),
            ("GET", "/api/v1/outbox", "", null, [U, F, F, P, F, F]),

            ("POST", "/api/v1/agreements/", "", new { }, [U, P, F, F, F, F]),
            ("GET", "/api/v1/agreements/", "", null, [U, P, P, F, P, P]),
            ("GET", "/api/v1/agreements/{id}", "", null, [U, P, P, F, P, H]),
            ("POST", "/api/v1/agreements/{id}/amendments", "", new { }, [U, P, F, F, F, F]),
            ("GET", "/api/v1/agreements/{id}/versions", "", null, [U, P, P, F, P, H]),
            ("GET", "/api/v1/agreements/{id}/versions/{version:int}", "", null, [U, P, P, F, P, H]),

            ("GET", "/api/v1/tasks/", "", null, [U, P, P, F, P, P]),
            ("GET", "/api/v1/tasks/{id}", "", null, [U, P, P, F, P, H]),
            ("POST", "/api/v1/tasks/{id}/accept", "", null, [U, F, F, F, P, H]),
            ("POST", "/api/v1/tasks/{id}/progress", "", new { text = "Half done", percent = 50 }, [U, F, F, F, P, H]),
            ("POST", "/api/v1/tasks/{id}/extension-requests", "", new { dueDate = "2027-12-30", reason = "Prices pending" }, [U, F, F, F, P, H]),
            ("POST", "/api/v1/tasks/{id}/extension-requests/approve", "", reason, [U, P, F, F, F, F]),
            ("POST", "/api/v1/tasks/{id}/extension-requests/reject", "", reason, [U, P, F, F, F, F]),
            ("POST", "/api/v1/tasks/{id}/complete", "", new { report = "Proposal sent" }, [U, F, F, F, P, H]),
            ("POST", "/api/v1/tasks/{id}/cancel", "", reason, [U, P, F, F, F, F]),
            ("POST", "/api/v1/tasks/{id}/take-off-control", "", reason, [U, P, F, F, F, F]),
            ("GET", "/api/v1/tasks/export.csv", "", null, [U, P, P, F, P, P]),
            ("GET", "/api/v1/tasks/deadlines.ics", "?org=" + SecuredHost.OrgA, null, [U, P, P, F, P, H]),
            ("GET", "/api/v1/reports/open-items", "", null, [U, P, P, F, F, F]),
            ("GET", "/api/v1/plans/{agreementId}", "", null, [U, P, P, F, F, F]),

            ("POST", "/api/v1/calendar-feeds/", "", new { org = SecuredHost.OrgA }, [U, P, P, F, P, R]),
            ("GET", "/api/v1/calendar-feeds/", "", null, [U, P, P, F, P, P]),
            ("DELETE", "/api/v1/calendar-feeds/{id}", "", null, [U, P, H, F, P, H]),
            ("GET", "/api/v1/calendar-feeds/{token}/deadlines.ics", "", null, [P, P, P, P, P, P]),

            ("PUT", "/api/v1/organisations/{id}", "", new { }, [U, P, F, P, F, F]),
            ("GET", "/api/v1/organisations/{id}", "", null, [U, P, P, P, P, H]),
            ("GET", "/api/v1/organisations/", "", null, [U, P, P, P, P, P]),

            ("GET", "/api/v1/notifications/", "", null, [U, P, P, P, P, P]),
            ("GET", "/api/v1/notifications/summary", "", null, [U, P, P, P, P, P]),
            ("GET", "/api/v1/notifications/{id}", "", null, [U, P, P, P, P, H]),
            ("POST", "/api/v1/notifications/{id}/retry", "", null, [U, F, F, P, F, F]),
        ];
    }

    [Fact]
    public void Every_endpoint_of_the_route_table_declares_who_may_call_it_and_has_a_row_here()
    {
        var endpoints = Endpoints();
        var unruled = endpoints.Where(e => e.Rule is null).Select(e => e.Key).ToList();
        Assert.True(unruled.Count == 0, $"endpoints mapped without Allow(...) or Anonymous(): {string.Join(", ", unruled)}");

        var rows = Rows().Select(r => $"{r.Method} {r.Pattern}").ToHashSet();
        var routes = endpoints.Select(e => e.Key).ToHashSet();
        Assert.True(routes.SetEquals(rows),
            $"without a row: {string.Join(", ", routes.Except(rows))}; rows of no endpoint: {string.Join(", ", rows.Except(routes))}");
    }

    [Fact]
    public async Task Each_caller_gets_exactly_the_answer_its_role_and_organisation_allow()
    {
        var failures = new List<string>();
        foreach (var (method, pattern, query, body, cells) in Rows())
        {
            for (var i = 0; i < Callers.Length; i++)
            {
                using var client = host.As(Callers[i]);
                using var request = new HttpRequestMessage(method == "ANY" ? HttpMethod.Get : new HttpMethod(method), Path(pattern) + query);
                if (body is not null)
                {
                    request.Content = JsonContent.Create(body, body.GetType());
                }

                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                if (!Fits(cells[i], status))
                {
                    failures.Add($"{method} {pattern} as {CallerNames[i]}: expected {cells[i]}, got {status} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static bool Fits(Cell cell, int status) => cell switch
    {
        Cell.Pass => status is not (401 or 403 or 404) && status < 500 || status == 503,
        Cell.Unauthenticated => status == 401,
        Cell.Forbidden => status == 403,
        Cell.Hidden => status == 404,
        Cell.Unprocessable => status == 422,
        _ => false,
    };

    /// <summary>The pattern with A's records in place of its parameters.</summary>
    private string Path(string pattern)
    {
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments is ["api", "v1", var kind, ..] ? kind : "";
        return pattern
            .Replace("{documentName}", "v1")
            .Replace("{version:int}", "1")
            .Replace("{token}", host.FeedToServe)
            .Replace("{agreementId}", host.AgreementA)
            .Replace("{id}", resource switch
            {
                "agreements" => host.AgreementA,
                "tasks" => host.TaskA,
                "notifications" => host.NotificationA,
                "organisations" => SecuredHost.OrgA,
                "calendar-feeds" => host.FeedToRevoke,
                _ => "unknown",
            });
    }

    /// <summary>
    /// The host's HTTP endpoints, keyed as "METHOD pattern", except the dashboard's pages (they sign in with a cookie and
    /// call these same endpoints with the user's token, so this matrix is what guards their data) and the redirect of /.
    /// </summary>
    private List<(string Key, AccessRule? Rule)> Endpoints()
    {
        var sources = host.Services.GetServices<EndpointDataSource>();
        return sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.TrimStart('/').StartsWith("ui", StringComparison.Ordinal) && raw.TrimStart('/').Length > 0)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(m => ($"{m} {e.RoutePattern.RawText}", e.Metadata.GetMetadata<AccessRule>())))
            .Distinct()
            .ToList();
    }
}
