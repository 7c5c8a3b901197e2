using Followups.ServiceDefaults.Security;

namespace Followups.Standalone.Security;

/// <summary>
/// Commands for local use, run instead of the host: <c>token</c> mints a token with the host's own key (creating the key
/// on first use as the host would), <c>api-key</c> makes a key for a machine client and prints the hash to configure.
/// </summary>
public static class Commands
{
    private const string Usage = """
        usage:
          token --role secretariat|member|manager|admin [--role …] [--org ORGANISATION] [--sub NAME] [--hours N]
          api-key --name CLIENT --role ROLE [--role …] [--org ORGANISATION]
        """;

    /// <summary>Runs the command named by the first argument and returns its exit code, or null when there is none.</summary>
    public static int? TryRun(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("token" or "api-key"))
        {
            return null;
        }

        // Reads configuration exactly as the host does, so the token fits the key and issuer the host checks.
        var configuration = WebApplication.CreateBuilder(Options(args, out var given)).Configuration;
        var auth = configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        var roles = given.GetValueOrDefault("--role") ?? [];
        var unknown = roles.Except(Roles.All).ToList();
        var org = given.GetValueOrDefault("--org")?.LastOrDefault();
        var problem =
            roles.Count == 0 ? "name at least one --role" :
            unknown.Count > 0 ? $"unknown role {string.Join(", ", unknown)}; roles are {string.Join(", ", Roles.All)}" :
            roles.Contains(Roles.Member) && org is null ? "a member needs --org, the organisation it belongs to" :
            null;
        if (problem is not null)
        {
            Console.Error.WriteLine(problem);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (args[0] == "token")
        {
            var hours = given.GetValueOrDefault("--hours")?.LastOrDefault() is { } h && double.TryParse(h, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : auth.TokenLifetime.TotalHours;
            var subject = given.GetValueOrDefault("--sub")?.LastOrDefault() ?? (org is null ? roles[0] : $"{roles[0]}@{org}");
            Console.WriteLine(Tokens.Mint(auth, subject, roles, org, TimeSpan.FromHours(hours)));
            return 0;
        }

        if (given.GetValueOrDefault("--name")?.LastOrDefault() is not { } name)
        {
            Console.Error.WriteLine("name the client with --name");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var (key, hash) = ApiKeys.Generate();
        Console.WriteLine($"key (give it to the client; it is not stored anywhere): {key}");
        Console.WriteLine("configuration (environment variables):");
        Console.WriteLine($"  Auth__ApiKeys__{name}__Hash={hash}");
        Console.WriteLine($"  Auth__ApiKeys__{name}__Roles={string.Join(',', roles)}");
        if (org is not null)
        {
            Console.WriteLine($"  Auth__ApiKeys__{name}__Organisation={org}");
        }

        return 0;
    }

    /// <summary>Splits the command's own options from the rest, which are configuration arguments like the host's.</summary>
    private static string[] Options(string[] args, out Dictionary<string, List<string>> given)
    {
        given = [];
        var rest = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] is "--role" or "--org" or "--sub" or "--hours" or "--name" && i + 1 < args.Length)
            {
                if (!given.TryGetValue(args[i], out var values))
                {
                    given[args[i]] = values = [];
                }

                values.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return rest.ToArray();
    }
}
