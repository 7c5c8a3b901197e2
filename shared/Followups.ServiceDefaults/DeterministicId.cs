using System.Security.Cryptography;
using System.Text;

namespace Followups.ServiceDefaults;

/// <summary>
/// Ids derived from what caused them (name-based, RFC 9562 version 5 layout over SHA-1), so a redelivered message
/// computes the same id and finds its effect already stored.
/// </summary>
public static class DeterministicId
{
    public static Guid From(params string[] parts)
    {
        var bytes = SHA1.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts)));
        var guid = bytes.AsSpan(0, 16).ToArray();
        guid[6] = (byte)((guid[6] & 0x0F) | 0x50);
        guid[8] = (byte)((guid[8] & 0x3F) | 0x80);
        return new Guid(guid, bigEndian: true);
    }

    public static string Text(params string[] parts) => From(parts).ToString();
}
