using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Followups.Dashboard.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Followups.Dashboard.Api;

/// <summary>Which service answers a call.</summary>
public enum Service
{
    Capture,
    Planner,
    Notifier,
}

/// <summary>
/// The dashboard's only way to the data: the services' public HTTP APIs. Base URLs come from
/// <c>Dashboard:CaptureUrl</c>, <c>Dashboard:PlannerUrl</c> and <c>Dashboard:NotifierUrl</c>; unset, they are the
/// address this request came in on, which is right for the standalone host serving everything on one port. Every call
/// carries the signed-in user's token as Bearer: the APIs decide what this user sees and may do, as for any client.
/// </summary>
public sealed class FollowupsApi(HttpClient http, IConfiguration configuration, IHttpContextAccessor context)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public Uri BaseOf(Service service)
    {
        var configured = configuration[$"Dashboard:{service switch { Service.Capture => "Capture", Service.Planner => "Planner", _ => "Notifier" }}Url"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new Uri(configured.TrimEnd('/') + "/");
        }

        var request = context.HttpContext?.Request ?? throw new InvalidOperationException("No request to take the host's address from.");
        return new Uri($"{request.Scheme}://{request.Host}/");
    }

    public Task<ApiResult<T>> Get<T>(Service service, string path, CancellationToken ct = default) =>
        Send<T>(service, HttpMethod.Get, path, null, null, ct);

    public Task<ApiResult<T>> Post<T>(Service service, string path, object? body, string? idempotencyKey = null, CancellationToken ct = default) =>
        Send<T>(service, HttpMethod.Post, path, body, idempotencyKey, ct);

    /// <summary>A file the API makes (the CSV export), passed on to the browser, which has no token of its own to fetch it.</summary>
    public async Task<(int Status, byte[] Content, string? ContentType, string? FileName)> Download(Service service, string path, CancellationToken ct = default)
    {
        using var request = await Request(service, HttpMethod.Get, path);
        using var response = await http.SendAsync(request, ct);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(ct), response.Content.Headers.ContentType?.ToString(),
            response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }

    private async Task<HttpRequestMessage> Request(Service service, HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseOf(service), path.TrimStart('/')));
        if (context.HttpContext is { } current && await current.GetTokenAsync(Session.Scheme, SessionHandler.TokenName) is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private async Task<ApiResult<T>> Send<T>(Service service, HttpMethod method, string path, object? body, string? key, CancellationToken ct)
    {
        using var request = await Request(service, method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        if (!string.IsNullOrWhiteSpace(key))
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        try
        {
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var (title, errors) = Problems.Read(text);
                return ApiResult<T>.Failure(status, title ?? response.ReasonPhrase, errors);
            }

            return ApiResult<T>.Success(text.Length == 0 ? default : JsonSerializer.Deserialize<T>(text, Json), status);
        }
        catch (HttpRequestException e)
        {
            // The page still renders, saying which service is down, rather than an error page.
            return ApiResult<T>.Failure(503, $"The {service} service does not answer ({e.Message}).");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return ApiResult<T>.Failure(504, $"The {service} service did not answer in time.");
        }
        catch (JsonException e)
        {
            return ApiResult<T>.Failure(502, $"The {service} service answered something unreadable ({e.Message}).");
        }
    }
}
