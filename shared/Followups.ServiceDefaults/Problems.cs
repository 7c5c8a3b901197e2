using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using MongoDB.Driver;

namespace Followups.ServiceDefaults;

/// <summary>Collects field errors of one request and turns them into RFC 7807 problem details.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    /// <summary>The number of reasons recorded so far, to tell whether a step added any.</summary>
    public int Count => _errors.Values.Sum(r => r.Count);

    /// <summary>Adds every error of <paramref name="other"/>.</summary>
    public FieldErrors Merge(FieldErrors other)
    {
        foreach (var (field, reasons) in other._errors)
        {
            reasons.ForEach(r => Add(field, r));
        }

        return this;
    }

    public FieldErrors Add(string field, string reason)
    {
        if (!_errors.TryGetValue(field, out var reasons))
        {
            reasons = [];
            _errors[field] = reasons;
        }

        reasons.Add(reason);
        return this;
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    /// <summary>400: the request is malformed or a field breaks its format.</summary>
    public ValidationProblem ToBadRequest() =>
        TypedResults.ValidationProblem(ToDictionary(), title: "The request has invalid fields.");

    /// <summary>409: the request conflicts with what is stored.</summary>
    public ProblemHttpResult ToConflict(string title) =>
        TypedResults.Problem(new HttpValidationProblemDetails(ToDictionary())
        {
            Status = StatusCodes.Status409Conflict,
            Title = title,
        });

    /// <summary>422: the request is well formed but names things that do not exist or cannot be used.</summary>
    public ProblemHttpResult ToUnprocessable(string title) =>
        TypedResults.Problem(new HttpValidationProblemDetails(ToDictionary())
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = title,
        });
}

/// <summary>Maps exceptions that are not the server's fault to their problem details: unreadable JSON to 400, storage outages to 503.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => BadJson(json),
            BadHttpRequestException bad => new HttpValidationProblemDetails { Status = bad.StatusCode, Title = "The request could not be read.", Detail = bad.Message },
            MongoConnectionException or TimeoutException or LiteDB.LiteException { ErrorCode: LiteDB.LiteException.LOCK_TIMEOUT } =>
                new HttpValidationProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = "Storage is unavailable; try again shortly." },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static HttpValidationProblemDetails BadJson(JsonException json)
    {
        // The reader wraps syntax errors in an inner JsonException: those concern the whole body, not one field.
        if (json.InnerException is JsonException syntax)
        {
            return Problem("$", $"the body is not valid JSON: {syntax.Message}");
        }

        var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "$" : json.Path.TrimStart('$', '.');
        return Problem(field, $"has a value of the wrong type or format (line {json.LineNumber + 1}, position {json.BytePositionInLine + 1})");
    }

    private static HttpValidationProblemDetails Problem(string field, string reason) =>
        new(new Dictionary<string, string[]> { [field] = [reason] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is not valid JSON for this endpoint.",
        };
}
