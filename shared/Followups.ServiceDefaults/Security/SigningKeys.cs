using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Followups.ServiceDefaults.Security;

/// <summary>Loads the key tokens are checked with, and in standalone mode creates it on first start.</summary>
public static class SigningKeys
{
    public const int MinimumKeyBytes = 32;

    /// <summary>The validation key and the one algorithm accepted with it.</summary>
    public static (SecurityKey Key, string Algorithm) Load(AuthOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.PublicKeyFile))
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(options.PublicKeyFile));
            return (new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);
        }

        return (new SymmetricSecurityKey(SymmetricKey(options)), SecurityAlgorithms.HmacSha256);
    }

    /// <summary>The HMAC key from configuration or its file; creates the file when asked to and it is missing.</summary>
    public static byte[] SymmetricKey(AuthOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            return Decode(options.SigningKey, "Auth:SigningKey");
        }

        if (string.IsNullOrWhiteSpace(options.SigningKeyFile))
        {
            throw new InvalidOperationException(
                "No token key is configured: set Auth:SigningKey (base64, 32 bytes or more), Auth:SigningKeyFile or Auth:PublicKeyFile.");
        }

        var path = Path.GetFullPath(options.SigningKeyFile);
        if (!File.Exists(path) && options.CreateSigningKey)
        {
            Create(path);
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Auth:SigningKeyFile {path} does not exist.");
        }

        return Decode(File.ReadAllText(path).Trim(), path);
    }

    private static void Create(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinimumKeyBytes));
        var temporary = path + ".tmp";
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Readable by the service's user only, from the moment the file exists.
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(temporary, create)))
        {
            writer.Write(key);
        }

        try
        {
            // Two processes starting at once: the first file to land wins, the other's key is dropped.
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
    }

    private static byte[] Decode(string base64, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The token key in {source} is not base64.");
        }

        return key.Length >= MinimumKeyBytes
            ? key
            : throw new InvalidOperationException($"The token key in {source} has {key.Length} bytes; at least {MinimumKeyBytes} are required.");
    }
}
