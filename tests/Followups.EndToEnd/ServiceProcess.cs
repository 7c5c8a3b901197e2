using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Followups.Testing;

namespace Followups.EndToEnd;

/// <summary>A Followups host running as its own operating-system process, as in production.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly string _assembly;
    private readonly string[] _arguments;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private ServiceProcess(string assembly, int port, string[] arguments)
    {
        _assembly = assembly;
        Port = port;
        _arguments = arguments;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new("Bearer", TestIdentity.Staff);
    }

    public int Port { get; }
    public HttpClient Client { get; }

    /// <summary>The host's assembly name, e.g. <c>Followups.Notifier</c>.</summary>
    public string Name => Path.GetFileNameWithoutExtension(_assembly);
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>Starts the host of <paramref name="project"/> (e.g. <c>Standalone</c>) and waits until it is ready.</summary>
    public static async Task<ServiceProcess> Start(string project, params string[] settings)
    {
        var service = new ServiceProcess(AssemblyOf(project), FreePort(), settings);
        await service.Start();
        return service;
    }

    public async Task Start()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(_assembly)!,
        };
        start.ArgumentList.Add(_assembly);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{Port}");
        foreach (var argument in TestIdentity.HostSettings.Concat(_arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilReady(TimeSpan.FromSeconds(60));
    }

    /// <summary>Like <c>kill -9</c>: no shutdown, no flushing, whatever was in memory is gone.</summary>
    public async Task Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async Task WaitUntilReady(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"{Path.GetFileName(_assembly)} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Path.GetFileName(_assembly)} not ready after {timeout}:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        await Kill();
        // Kept for reading after a failed run; CI shows where they are.
        var logs = Path.Combine(Path.GetTempPath(), "followups-test-logs");
        Directory.CreateDirectory(logs);
        await File.WriteAllTextAsync(Path.Combine(logs, $"{Path.GetFileNameWithoutExtension(_assembly)}-{Port}.log"), Output);
        _process?.Dispose();
        Client.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static string AssemblyOf(string project)
    {
        // The test runs from tests/Followups.EndToEnd/bin/<Configuration>/<tfm>/; the services are built beside it.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var path = Path.Combine(Repository.Root, "services", project, "bin", configuration, framework, $"Followups.{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.");
    }

    public static int FreePort() => Ports.Free();
}
