using System.Diagnostics;

namespace Followups.Testing;

/// <summary>Where the repository is, found from the test's output folder.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Followups.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Followups.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Runs one of <c>deploy/scripts</c> (RabbitMQ, the MongoDB test engine) and fails with its output when it fails.</summary>
public static class Scripts
{
    public static void Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "deploy", "scripts", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stdout.Result}{stderr}");
        }
    }
}
