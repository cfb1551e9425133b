using Plumtree.Storage;

namespace Plumtree.Storage.Sqlite.Tests;

/// <summary>The <see cref="IMessageStore"/> contract, run against every backend (one derived class each).</summary>
public abstract class MessageStoreContractTests
{
    /// <summary>Opens the store under test (a fresh one per test; reopening after dispose where the backend is durable).</summary>
    protected abstract IMessageStore Open();

    internal static MessageId Id(long unixMs, ulong sequence = 0) => new((ulong)unixMs << 16, sequence);

    internal static StoredMessage Message(long unixMs, string text, ulong sequence = 0) => new(Id(unixMs, sequence), System.Text.Encoding.UTF8.GetBytes(text));

    internal static (MessageId Id, string Text)[] Contents(IReadOnlyList<StoredMessage> messages) =>
        [.. messages.Select(m => (m.Id, System.Text.Encoding.UTF8.GetString(m.Payload.Span)))];

    [Fact]
    public void A_new_store_is_empty_and_has_no_join_time()
    {
        using var store = Open();

        var load = store.Load(MessageId.Empty);

        Assert.Empty(load.Messages);
        Assert.Equal(0, load.CorruptRemoved);
        Assert.Null(load.JoinedUnixMilliseconds);
    }

    [Fact]
    public void Saved_messages_load_back_in_id_order_whatever_the_order_saved()
    {
        using var store = Open();
        store.Save([Message(300, "c"), Message(100, "a")]);
        store.Save([Message(200, "b", 5), Message(200, "b-earlier", 1), Message(400, "")]);

        var load = store.Load(MessageId.Empty);

        Assert.Equal([(Id(100), "a"), (Id(200, 1), "b-earlier"), (Id(200, 5), "b"), (Id(300), "c"), (Id(400), "")], Contents(load.Messages));
        Assert.Equal(0, load.CorruptRemoved);
    }

    [Fact]
    public void An_id_already_stored_keeps_its_first_payload()
    {
        using var store = Open();
        store.Save([Message(100, "first")]);

        store.Save([Message(100, "second"), Message(200, "other"), Message(200, "other again")]);

        Assert.Equal([(Id(100), "first"), (Id(200), "other")], Contents(store.Load(MessageId.Empty).Messages));
    }

    [Fact]
    public void The_store_keeps_its_own_copy_of_a_saved_payload()
    {
        using var store = Open();
        var payload = new byte[] { 1, 2, 3 };
        store.Save([new StoredMessage(Id(100), payload)]);

        payload[0] = 9;

        Assert.Equal([1, 2, 3], store.Load(MessageId.Empty).Messages.Single().Payload.ToArray());
    }

    [Fact]
    public void RemoveBefore_drops_exactly_the_older_messages()
    {
        using var store = Open();
        store.Save([Message(100, "a"), Message(200, "b", 1), Message(200, "b", 2), Message(300, "c")]);

        store.RemoveBefore(Id(200, 2));

        Assert.Equal([Id(200, 2), Id(300)], store.Load(MessageId.Empty).Messages.Select(m => m.Id));
    }

    [Fact]
    public void Load_from_a_bound_returns_the_rest_and_removes_the_older_rows()
    {
        using var store = Open();
        store.Save([Message(100, "a"), Message(200, "b"), Message(300, "c")]);

        var load = store.Load(Id(200));
        var again = store.Load(MessageId.Empty);

        Assert.Equal([(Id(200), "b"), (Id(300), "c")], Contents(load.Messages));
        Assert.Equal([Id(200), Id(300)], again.Messages.Select(m => m.Id));
    }

    [Fact]
    public void Remove_drops_the_named_messages_and_ignores_unknown_ids()
    {
        using var store = Open();
        store.Save([Message(100, "a"), Message(200, "b"), Message(300, "c")]);

        store.Remove([Id(200), Id(999)]);
        store.Remove([]);

        Assert.Equal([Id(100), Id(300)], store.Load(MessageId.Empty).Messages.Select(m => m.Id));
    }

    [Fact]
    public void Clear_removes_every_message_but_keeps_the_join_time()
    {
        using var store = Open();
        store.SetJoined(1_700_000_000_000);
        store.Save([Message(100, "a"), Message(200, "b")]);

        store.Clear();
        var load = store.Load(MessageId.Empty);

        Assert.Empty(load.Messages);
        Assert.Equal(1_700_000_000_000, load.JoinedUnixMilliseconds);
    }

    [Fact]
    public void SetJoined_is_reported_by_Load_and_the_last_value_wins()
    {
        using var store = Open();

        store.SetJoined(1_700_000_000_000);
        var first = store.Load(MessageId.Empty).JoinedUnixMilliseconds;
        store.SetJoined(1_700_000_000_500);

        Assert.Equal(1_700_000_000_000, first);
        Assert.Equal(1_700_000_000_500, store.Load(MessageId.Empty).JoinedUnixMilliseconds);
    }

    [Fact]
    public void Verify_counts_rows_and_payload_bytes()
    {
        using var store = Open();
        store.Save([Message(100, "abc"), Message(200, "defgh")]);

        var verification = store.Verify();

        Assert.Equal(2, verification.Rows);
        Assert.Equal(2, verification.Intact);
        Assert.Equal(0, verification.CorruptRemoved);
        Assert.Equal(8, verification.Bytes);
        Assert.NotEmpty(verification.Detail);
    }

    [Fact]
    public void A_disposed_store_refuses_every_call()
    {
        var store = Open();
        store.Dispose();
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.Load(MessageId.Empty));
        Assert.Throws<ObjectDisposedException>(() => store.Save([Message(100, "a")]));
        Assert.Throws<ObjectDisposedException>(() => store.RemoveBefore(Id(100)));
        Assert.Throws<ObjectDisposedException>(() => store.Remove([Id(100)]));
        Assert.Throws<ObjectDisposedException>(store.Clear);
        Assert.Throws<ObjectDisposedException>(() => store.SetJoined(1));
        Assert.Throws<ObjectDisposedException>(() => store.Verify());
    }
}
