using System.Text.Json.Nodes;

namespace Followups.Bench.Tests;

/// <summary>Runs a command of the tool into a directory of its own and reads back the one JSON report it wrote.</summary>
internal static class BenchRuns
{
    /// <summary>The configuration these tests were built in (bin/&lt;configuration&gt;/net10.0): the hosts the tool starts.</summary>
    public static string Configuration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static async Task<JsonNode> Report(Func<Options, string, string[], Task<int>> command, string reportPattern, params string[] args)
    {
        var output = Directory.CreateTempSubdirectory("followups-bench-test-").FullName;
        try
        {
            string[] all = [.. args, "--out", output];
            Assert.Equal(0, await command(new Options(all), output, all));
            return JsonNode.Parse(await File.ReadAllTextAsync(Directory.GetFiles(output, reportPattern).Single()))!;
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
