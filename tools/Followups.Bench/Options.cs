using System.Globalization;

namespace Followups.Bench;

/// <summary>Command-line settings as <c>--name value</c> or <c>--name=value</c>; the first bare word is the command.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public Options(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                Command ??= arg;
                continue;
            }

            var eq = arg.IndexOf('=');
            if (eq > 0)
            {
                _values[arg[2..eq]] = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                _values[arg[2..]] = args[++i];
            }
            else
            {
                _values[arg[2..]] = "true";
            }
        }
    }

    public string? Command { get; }

    public string? Text(string name) => _values.TryGetValue(name, out var v) ? v : null;
    public string Text(string name, string fallback) => Text(name) ?? fallback;
    public int Int(string name, int fallback) => Text(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public double Double(string name, double fallback) => Text(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public bool Flag(string name, bool fallback = false) => Text(name) is { } v ? bool.Parse(v) : fallback;
}
