namespace Followups.Bench;

internal static class QueryCommand
{
    public static Task<int> Run(Options options, string output, string[] args) => Task.FromResult(2);
}
