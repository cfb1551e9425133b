using Plumtree.Storage;

namespace Plumtree.Storage.Sqlite.Tests;

public sealed class InMemoryMessageStoreTests : MessageStoreContractTests
{
    protected override IMessageStore Open() => new InMemoryMessageStore();

    [Fact]
    public void Count_and_Bytes_follow_saves_and_removals()
    {
        using var store = new InMemoryMessageStore();
        store.Save([Message(100, "abc"), Message(200, "de"), Message(200, "ignored")]);
        var afterSave = (store.Count, store.Bytes);

        store.RemoveBefore(Id(200));

        Assert.Equal((2, 5L), afterSave);
        Assert.Equal((1, 2L), (store.Count, store.Bytes));
    }
}
