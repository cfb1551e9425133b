using System.Text.Json;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Keys;

/// <summary>
/// The keyring file (<c>serf</c>'s format: a JSON array of base64 keys, the primary first). Written whole to a
/// temporary file with mode 0600 and renamed over the old one, so a crash leaves either keyring, never half of one.
/// </summary>
internal static class KeyringFile
{
    /// <summary>The keyring in <paramref name="path"/>, or null when the file does not exist.</summary>
    /// <exception cref="InvalidDataException">The file is not a JSON array of valid base64 AES keys, or is empty.</exception>
    public static Keyring? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var keys = new List<byte[]>();
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"keyring file {path}: expected a JSON array of base64 keys, the primary first");
            }

            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String || !Node.NodeKeys.TryDecode(element.GetString(), out var key))
                {
                    throw new InvalidDataException($"keyring file {path}: entry {index} is not base64 of a 16, 24 or 32 byte AES key");
                }

                keys.Add(key);
                index++;
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"keyring file {path}: not valid JSON ({e.Message})", e);
        }

        if (keys.Count == 0)
        {
            throw new InvalidDataException($"keyring file {path}: holds no key");
        }

        return new Keyring(keys[0], keys.Skip(1));
    }

    /// <summary>Writes <paramref name="keyring"/> to <paramref name="path"/> (mode 0600 on Unix), replacing the file atomically.</summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be written.</exception>
    public static void Save(string path, Keyring keyring)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            if (!OperatingSystem.IsWindows())
            {
                // A leftover temporary file keeps its old mode: set it whatever it was.
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartArray();
                foreach (var key in keyring.Keys)
                {
                    writer.WriteStringValue(Convert.ToBase64String(key));
                }

                writer.WriteEndArray();
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
