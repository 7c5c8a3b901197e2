using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
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
/// address this request came in on, which is right for the standalone host serving everything on one port.
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

    /// <summary>An absolute URL of a service, for links the browser follows itself (the CSV export).</summary>
    public string Link(Service service, string path) => new Uri(BaseOf(service), path).ToString();

    public Task<ApiResult<T>> Get<T>(Service service, string path, CancellationToken ct = default) =>
        Send<T>(service, HttpMethod.Get, path, null, null, null, ct);

    public Task<ApiResult<T>> Post<T>(Service service, string path, object? body, string? actor = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        Send<T>(service, HttpMethod.Post, path, body, actor, idempotencyKey, ct);

    private async Task<ApiResult<T>> Send<T>(Service service, HttpMethod method, string path, object? body, string? actor, string? key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseOf(service), path.TrimStart('/')));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        if (!string.IsNullOrWhiteSpace(actor))
        {
            request.Headers.Add("X-Actor", actor);
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
