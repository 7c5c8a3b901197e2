using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Followups.Testing;

namespace Followups.Browser;

/// <summary>
/// The standalone host as its own process on a free port, with its data in a folder the test chooses, so a test can
/// stop it and start it again on the same data (with a moved clock). Trimmed from the end-to-end tests' ServiceProcess.
/// </summary>
public sealed class Host : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private Host(Process process, int port)
    {
        _process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new("Bearer", TestIdentity.Staff);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public HttpClient Client { get; }

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public static async Task<Host> Start(string dataDirectory, params string[] settings)
    {
        var port = Ports.Free();
        var assembly = AssemblyOf("Standalone");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.ArgumentList.Add($"--Storage:DataDirectory={dataDirectory}");
        foreach (var setting in TestIdentity.HostSettings.Concat(settings))
        {
            start.ArgumentList.Add(setting);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var host = new Host(Process.Start(start)!, port);
        host._process.OutputDataReceived += (_, e) => host.Append(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        await host.WaitUntilReady(TimeSpan.FromSeconds(60));
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        var logs = Path.Combine(Path.GetTempPath(), "followups-test-logs");
        Directory.CreateDirectory(logs);
        await File.WriteAllTextAsync(Path.Combine(logs, $"Browser-Standalone-{Port}.log"), Output);
        _process.Dispose();
        Client.Dispose();
    }

    private async Task WaitUntilReady(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The standalone host exited with {_process.ExitCode}:\n{Output}");
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

        throw new TimeoutException($"The standalone host is not ready after {timeout}:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static string AssemblyOf(string project)
    {
        // The test runs from tests/Followups.Browser/bin/<Configuration>/<tfm>/; the host is built beside it.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(Repository.Root, "services", project, "bin", output.Parent!.Name, output.Name, $"Followups.{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.");
    }
}
