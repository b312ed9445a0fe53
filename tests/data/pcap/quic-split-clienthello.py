#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write quic-split-clienthello.pcap: QUIC Initials whose ClientHello spans two packets.

Deterministic (fixed connection IDs, random and key shares), built with
python3-cryptography only, independently of phiguard's C code, so the capture
cross-checks the decryption path (RFC 9001 §5, RFC 9369 §3.3).

Flows (client 192.0.2.10 -> server 198.51.100.20:443):
  1. QUIC v1, SNI web.whatsapp.com, ALPN h3: CRYPTO bytes split over two
     Initial packets in two datagrams, in order.
  2. QUIC v2, SNI chat.signal.org: the same split, the second half sent first.
  3. QUIC v1, SNI teams.microsoft.com: both Initial packets coalesced in one
     datagram, second half first.
Usage: quic-split-clienthello.py OUTPUT.pcap
       quic-split-clienthello.py --check EXISTING.pcap   (exit 1 if it differs)
"""
import hashlib
import hmac
import struct
import sys

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:  # python3-cryptography is only needed to regenerate or check
    print("# SKIP: python3-cryptography is not installed")
    sys.exit(77)

V1, V2 = 0x00000001, 0x6B3343CF
SALT = {
    V1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
    V2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
}


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand_label(secret, label, length):
    full = b"tls13 " + label.encode()
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def client_keys(version, dcid):
    secret = hkdf_expand_label(hkdf_extract(SALT[version], dcid), "client in", 32)
    pfx = "quicv2 " if version == V2 else "quic "
    return (hkdf_expand_label(secret, pfx + "key", 16),
            hkdf_expand_label(secret, pfx + "iv", 12),
            hkdf_expand_label(secret, pfx + "hp", 16))


def varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack(">H", 0x4000 | v)
    return struct.pack(">I", 0x80000000 | v)


def ext(t, body):
    return struct.pack(">HH", t, len(body)) + body


def client_hello(sni, alpn, seed):
    name = sni.encode()
    exts = ext(0, struct.pack(">HBH", len(name) + 3, 0, len(name)) + name)
    exts += ext(10, bytes.fromhex("0006 11ec 001d 0017".replace(" ", "")))
    exts += ext(13, bytes.fromhex("0008 0403 0804 0401 0503".replace(" ", "")))
    a = alpn.encode()
    exts += ext(16, struct.pack(">HB", len(a) + 1, len(a)) + a)
    exts += ext(43, bytes.fromhex("020304"))
    # A post-quantum sized key share (X25519MLKEM768 is 1216 bytes) makes the
    # ClientHello longer than one Initial packet, as modern browsers do.
    share = hashlib.shake_256(seed + b"share").digest(1216)
    x25519 = hashlib.shake_256(seed + b"x25519").digest(32)
    ks = struct.pack(">HH", 0x11EC, len(share)) + share + struct.pack(">HH", 0x1D, 32) + x25519
    exts += ext(51, struct.pack(">H", len(ks)) + ks)
    exts += ext(57, bytes.fromhex("0104 80 00 ff ff 0504 80 00 ff ff".replace(" ", "")))
    body = b"\x03\x03" + hashlib.sha256(seed + b"random").digest()
    body += b"\x00" + struct.pack(">H", 6) + bytes.fromhex("130113021303") + b"\x01\x00"
    body += struct.pack(">H", len(exts)) + exts
    return b"\x01" + struct.pack(">I", len(body))[1:] + body


def initial_packet(version, dcid, scid, pn, frames):
    key, iv, hp = client_keys(version, dcid)
    ptype = 1 if version == V2 else 0
    first = 0xC0 | (ptype << 4) | 0x01  # 2-byte packet number
    pn_len = 2
    payload = frames
    # Pad to a 1200-byte datagram-sized packet (RFC 9000 §14.1).
    header_wo_len = bytes([first]) + struct.pack(">I", version) + bytes([len(dcid)]) + dcid
    header_wo_len += bytes([len(scid)]) + scid + varint(0)
    pad = max(0, 1200 - (len(header_wo_len) + 2 + pn_len + len(payload) + 16))
    payload += b"\x00" * pad
    length = pn_len + len(payload) + 16
    header = header_wo_len + struct.pack(">H", 0x4000 | length) + struct.pack(">H", pn)
    nonce = bytes(a ^ b for a, b in zip(iv, (b"\x00" * 4) + struct.pack(">Q", pn)))
    sealed = AESGCM(key).encrypt(nonce, payload, header)
    pn_off = len(header) - pn_len
    sample = sealed[4 - pn_len:4 - pn_len + 16]
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sample) + enc.finalize()
    out = bytearray(header + sealed)
    out[0] ^= mask[0] & 0x0F
    for i in range(pn_len):
        out[pn_off + i] ^= mask[1 + i]
    return bytes(out)


def crypto_frame(off, data):
    return b"\x06" + varint(off) + varint(len(data)) + data


def udp_frame(sport, payload):
    src, dst = bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20])
    udp = struct.pack(">HHHH", sport, 443, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    s = sum(struct.unpack(">10H", ip))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    ip = ip[:10] + struct.pack(">H", ~s & 0xFFFF) + ip[12:]
    eth = bytes.fromhex("020000000001" "020000000002" "0800")
    return eth + ip + udp


def split_flow(version, sni, sport, order, coalesce):
    seed = sni.encode()
    dcid = hashlib.sha256(seed + b"dcid").digest()[:8]
    scid = hashlib.sha256(seed + b"scid").digest()[:8]
    ch = client_hello(sni, "h3", seed)
    cut = 1000
    pkts = [initial_packet(version, dcid, scid, 0, crypto_frame(0, ch[:cut])),
            initial_packet(version, dcid, scid, 1,
                           b"\x01" + crypto_frame(cut, ch[cut:]))]  # a PING too
    pkts = [pkts[i] for i in order]
    if coalesce:
        return [udp_frame(sport, pkts[0] + pkts[1])]
    return [udp_frame(sport, p) for p in pkts]


def capture():
    frames = []
    frames += split_flow(V1, "web.whatsapp.com", 50001, (0, 1), False)
    frames += split_flow(V2, "chat.signal.org", 50002, (1, 0), False)
    frames += split_flow(V1, "teams.microsoft.com", 50003, (1, 0), True)
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, fr in enumerate(frames):
        out += struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr
    return out


def main():
    if sys.argv[1] == "--check":
        same = open(sys.argv[2], "rb").read() == capture()
        print("ok 1 - the capture is what the generator makes" if same else
              "not ok 1 - the capture differs from what the generator makes")
        print("1..1")
        return 0 if same else 1
    with open(sys.argv[1], "wb") as f:
        f.write(capture())
    return 0


if __name__ == "__main__":
    sys.exit(main())
