using System.Security.Cryptography;
using Plumtree.Wire;
using Plumtree.Wire.Memberlist;

namespace Plumtree.Tests.Wire.Memberlist;

public sealed class EncryptionTests
{
    private static readonly byte[] Key16 = MemberlistVectors.Get("key_aes128");

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(33)]
    public void Keys_must_be_16_24_or_32_bytes(int length)
    {
        Assert.Throws<ArgumentException>(() => new Keyring(new byte[length]));
        Assert.Throws<ArgumentException>(() => new Keyring(Key16, [new byte[length]]));
    }

    [Fact]
    public void The_first_key_is_primary_and_keyring_changes_give_new_keyrings()
    {
        var k24 = new byte[24];
        var k32 = new byte[32];
        var ring = new Keyring(Key16, [k24, Key16]);
        Assert.Equal(2, ring.Keys.Count);
        Assert.Equal(Key16, ring.PrimaryKey);

        var installed = ring.Install(k32);
        Assert.Equal(3, installed.Keys.Count);
        Assert.Equal(2, ring.Keys.Count);
        Assert.Same(installed, installed.Install(k32));

        var used = installed.Use(k32);
        Assert.Equal(k32, used.PrimaryKey);
        Assert.Equal(3, used.Keys.Count);
        Assert.Throws<ArgumentException>(() => ring.Use(k32));

        Assert.Throws<InvalidOperationException>(() => used.Remove(k32));
        Assert.Equal(2, used.Remove(Key16).Keys.Count);
        Assert.Same(ring, ring.Remove(k32));
    }

    [Fact]
    public void Production_nonces_are_random()
    {
        var a = MemberlistEncryption.EncryptPacket(Key16, 1, [1, 2, 3], []);
        var b = MemberlistEncryption.EncryptPacket(Key16, 1, [1, 2, 3], []);
        Assert.NotEqual(a.AsSpan(1, 12).ToArray(), b.AsSpan(1, 12).ToArray());
        Assert.Equal(a.Length, b.Length);
    }

    [Fact]
    public void Version_zero_pads_to_whole_blocks_and_version_one_does_not()
    {
        Assert.Equal(29, MemberlistEncryption.EncryptedLength(1, 0));
        Assert.Equal(45, MemberlistEncryption.EncryptedLength(0, 0));
        Assert.Equal(1 + 12 + 32 + 16, MemberlistEncryption.EncryptedLength(0, 16));
        Assert.Equal(1 + 12 + 16 + 16, MemberlistEncryption.EncryptedLength(0, 15));
        var ring = new Keyring(Key16);
        for (var length = 0; length < 40; length++)
        {
            var plain = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
            Assert.Equal(plain, MemberlistEncryption.DecryptPacket(ring, MemberlistEncryption.EncryptPacket(Key16, 0, plain, []), []));
            Assert.Equal(plain, MemberlistEncryption.DecryptPacket(ring, MemberlistEncryption.EncryptPacket(Key16, 1, plain, []), []));
        }
    }

    [Fact]
    public void Short_empty_or_unknown_version_payloads_are_typed_errors()
    {
        var ring = new Keyring(Key16);
        Assert.Equal("truncated", Assert.Throws<WireDecodeException>(() => MemberlistEncryption.DecryptPacket(ring, [], [])).Reason);
        Assert.Equal("truncated", Assert.Throws<WireDecodeException>(() => MemberlistEncryption.DecryptPacket(ring, new byte[28], [])).Reason);
        var v0Short = new byte[44];
        Assert.Equal("truncated", Assert.Throws<WireDecodeException>(() => MemberlistEncryption.DecryptPacket(ring, v0Short, [])).Reason);
        var v2 = new byte[60];
        v2[0] = 2;
        Assert.Equal(("crypto", "bad_version"), Reason(() => MemberlistEncryption.DecryptPacket(ring, v2, [])));
    }

    [Fact]
    public void Invalid_pkcs7_padding_under_a_valid_tag_is_a_typed_error()
    {
        var nonce = new byte[12];
        var plain = new byte[16]; // last byte 0: not a valid pad length
        var blob = new byte[1 + 12 + 16 + 16];
        using (var aes = new AesGcm(Key16, 16))
        {
            aes.Encrypt(nonce, plain, blob.AsSpan(13, 16), blob.AsSpan(29, 16));
        }

        Assert.Equal(("crypto", "bad_padding"), Reason(() => MemberlistEncryption.DecryptPacket(new Keyring(Key16), blob, [])));
    }

    [Fact]
    public void The_label_is_authenticated_on_packets()
    {
        var blob = MemberlistEncryption.EncryptPacket(Key16, 1, [1, 2, 3], "a"u8);
        Assert.Equal(new byte[] { 1, 2, 3 }, MemberlistEncryption.DecryptPacket(new Keyring(Key16), blob, "a"u8));
        Assert.Equal("no_key", Assert.Throws<WireDecodeException>(() => MemberlistEncryption.DecryptPacket(new Keyring(Key16), blob, "b"u8)).Reason);
        Assert.Equal("no_key", Assert.Throws<WireDecodeException>(() => MemberlistEncryption.DecryptPacket(new Keyring(Key16), blob, [])).Reason);
    }

    private static (string Layer, string Reason) Reason(Action action)
    {
        var error = Assert.Throws<WireDecodeException>(action);
        return (error.Layer, error.Reason);
    }
}
