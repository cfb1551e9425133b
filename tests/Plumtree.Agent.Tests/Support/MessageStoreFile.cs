using Microsoft.Data.Sqlite;

namespace Plumtree.Agent.Tests.Support;

/// <summary>Damage done to an agent's message store file (<c>cache/messages.db</c>) from outside, as a disk would.</summary>
internal static class MessageStoreFile
{
    /// <summary>
    /// Flips the first payload byte of the first <paramref name="count"/> rows of a message store without touching
    /// their checksum (a second connection, as any other process would, also when the agent keeps the file open);
    /// returns their message ids (32 hex digits).
    /// </summary>
    public static List<string> CorruptRows(string database, int count)
    {
        var connection = new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 30 }.ToString();
        using var db = new SqliteConnection(connection);
        db.Open();
        var rows = new List<(byte[] Id, byte[] Payload)>();
        using (var select = db.CreateCommand())
        {
            select.CommandText = "SELECT id, payload FROM messages ORDER BY id LIMIT $count;";
            select.Parameters.AddWithValue("$count", count);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<byte[]>(1)));
            }
        }

        Assert.Equal(count, rows.Count);
        foreach (var (id, payload) in rows)
        {
            payload[0] ^= 0xFF;
            using var update = db.CreateCommand();
            update.CommandText = "UPDATE messages SET payload = $payload WHERE id = $id;";
            update.Parameters.AddWithValue("$payload", payload);
            update.Parameters.AddWithValue("$id", id);
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        return rows.Select(r => Convert.ToHexStringLower(r.Id)).ToList();
    }
}
