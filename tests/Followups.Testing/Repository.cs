using System.Diagnostics;

namespace Followups.Testing;

// This file and Ports.cs are also compiled into tools/Followups.Bench, which starts the same servers the same way.

/// <summary>
/// Where the repository is: above the program's output folder, or else above the working directory (the benchmark tool
/// run from a copy outside the repository).
/// </summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var directory = new DirectoryInfo(start);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Followups.sln")))
            {
                directory = directory.Parent;
            }

            if (directory is not null)
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Followups.sln not found above " + AppContext.BaseDirectory);
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
