using System.Net;
using System.Net.Http.Json;
using Followups.Testing;

namespace Followups.Security.Tests;

/// <summary>Headers, limits and the anonymous surface.</summary>
[Collection(SecuredHostCollection.Name)]
public sealed class HardeningTests(SecuredHost host)
{
    [Theory]
    [InlineData("/api/v1/agreements")]
    [InlineData("/health/live")]
    [InlineData("/api/v1/nothing-here")]
    public async Task Every_answer_carries_the_security_headers_and_no_server_banner(string path)
    {
        using var client = host.As(TestIdentity.Staff);
        using var response = await client.GetAsync(path);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_retry_after_while_another_client_is_served()
    {
        await using var limited = SecuredHost.Separate(new() { ["Security:RequestsPerSecond"] = "1", ["Security:Burst"] = "5" });
        using var greedy = limited.CreateClient();
        greedy.DefaultRequestHeaders.Authorization = new("Bearer", TestIdentity.Token("greedy", ["manager"]));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var response = await greedy.GetAsync("/api/v1/agreements");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) is >= 5 and <= 7, string.Join(",", statuses));

        using var patient = limited.CreateClient();
        patient.DefaultRequestHeaders.Authorization = new("Bearer", TestIdentity.Token("patient", ["manager"]));
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("/api/v1/agreements")).StatusCode);
        // Health probes are not counted against anyone.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await greedy.GetAsync("/health/live")).StatusCode);
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_before_it_is_read()
    {
        using var client = host.As(SecuredHost.Secretariat);
        using var content = new StringContent("{\"name\":\"" + new string('x', 2 * 1024 * 1024) + "\"}", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PutAsync($"/api/v1/organisations/{SecuredHost.OrgA}", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Page_sizes_are_capped()
    {
        using var client = host.As(TestIdentity.Staff);
        var page = await client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/api/v1/tasks?limit=100000");
        Assert.True(page!["items"]!.AsArray().Count <= 200);
    }
}
