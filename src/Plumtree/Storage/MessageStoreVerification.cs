namespace Plumtree.Storage;

/// <summary>What <see cref="IMessageStore.Verify"/> found.</summary>
/// <param name="Rows">Rows checked.</param>
/// <param name="Intact">Rows whose checksum matched.</param>
/// <param name="CorruptRemoved">Rows whose checksum did not match (or that could not be read): removed.</param>
/// <param name="Bytes">Payload bytes of the intact rows.</param>
/// <param name="Detail">A one-line description of the check (the backend's integrity check result, file path).</param>
public sealed record MessageStoreVerification(int Rows, int Intact, int CorruptRemoved, long Bytes, string Detail);
