#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed the classify fuzz corpora from real captures.

Usage: seed-classify-corpus.py PCAP_DIR CORPUS_DIR
Writes corpus/classify-{tls,quic,dns,http}/<sha1> files: client TLS streams,
client QUIC datagrams (and the plaintext CRYPTO frames of the split-hello
capture), DNS responses, HTTP requests and the first payloads of messaging
apps' own protocols. Run it again after adding captures.
"""
import hashlib
import importlib.util
import ipaddress
import os
import struct
import sys


def packets(path):
    d = open(path, "rb").read()
    if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        lt, off = struct.unpack("<I", d[20:24])[0], 24
        while off + 16 <= len(d):
            cl = struct.unpack("<I", d[off + 8:off + 12])[0]
            yield lt, d[off + 16:off + 16 + cl]
            off += 16 + cl
    elif d[:4] == b"\x0a\x0d\x0d\x0a":
        off, lts = 0, []
        while off + 12 <= len(d):
            bt, bl = struct.unpack("<II", d[off:off + 8])
            body = d[off + 8:off + bl - 4]
            if bt == 1:
                lts.append(struct.unpack("<H", body[:2])[0])
            elif bt == 6:
                iid, _, _, cl = struct.unpack("<IIII", body[:16])
                yield lts[iid], body[20:20 + cl]
            off += bl


def l4(path):
    for lt, p in packets(path):
        if lt == 1:
            et, o = struct.unpack(">H", p[12:14])[0], 14
            while et in (0x8100, 0x88A8):
                et, o = struct.unpack(">H", p[o + 2:o + 4])[0], o + 4
        elif lt == 113:
            et, o = struct.unpack(">H", p[14:16])[0], 16
        else:
            continue
        ip = p[o:]
        if et == 0x800 and len(ip) >= 20:
            ihl, proto = (ip[0] & 15) * 4, ip[9]
            src, dst, seg = ip[12:16], ip[16:20], ip[ihl:struct.unpack(">H", ip[2:4])[0]]
        elif et == 0x86DD and len(ip) >= 40:
            proto, src, dst = ip[6], ip[8:24], ip[24:40]
            seg = ip[40:40 + struct.unpack(">H", ip[4:6])[0]]
        else:
            continue
        if proto == 6 and len(seg) >= 20:
            sp, dp, seq = struct.unpack(">HHI", seg[:8])
            yield "tcp", (src, sp, dst, dp), seq, seg[(seg[12] >> 4) * 4:]
        elif proto == 17 and len(seg) >= 8:
            sp, dp = struct.unpack(">HH", seg[:4])
            yield "udp", (src, sp, dst, dp), 0, seg[8:]


def save(outdir, name, data, limit):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    if len(os.listdir(d)) >= limit:
        return
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def main():
    pcaps, out = sys.argv[1], sys.argv[2]
    for fn in sorted(os.listdir(pcaps)):
        if not fn.endswith((".pcap", ".pcapng")):
            continue
        streams, udp_seen = {}, {}
        for proto, key, seq, pl in l4(os.path.join(pcaps, fn)):
            if not pl:
                continue
            if proto == "tcp":
                s = streams.setdefault(key, [])
                if sum(len(x) for x in s) < 4096:
                    s.append(pl)
                continue
            n = udp_seen.get(key, 0)
            udp_seen[key] = n + 1
            if key[1] == 53 and n < 2:
                save(out, "classify-dns", pl, 40)
            elif key[3] == 443 and n < 3 and pl[0] & 0x80:
                save(out, "classify-quic", b"\x00" + struct.pack(">H", len(pl)) + pl, 40)
            elif n < 2:
                save(out, "classify-http", pl[:512], 80)
        for key, segs in streams.items():
            data = b"".join(segs)
            if data[:1] == b"\x16":
                save(out, "classify-tls", data, 40)
            else:
                save(out, "classify-http", data[:2048], 80)
    # Plaintext CRYPTO frames of the generated split ClientHello (fuzzer kind 1).
    here = os.path.dirname(os.path.abspath(__file__))
    gen = os.path.join(here, "..", "data", "pcap", "quic-split-clienthello.py")
    spec = importlib.util.spec_from_file_location("gen", gen)
    g = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(g)
    ch = g.client_hello("web.whatsapp.com", "h3", b"seed")
    rec = b""
    for off, part in ((1000, ch[1000:]), (0, ch[:1000])):
        frame = b"\x02\x00\x00\x00\x00" + g.crypto_frame(off, part) + b"\x00" * 8
        rec += b"\x01" + struct.pack(">H", len(frame)) + frame
    save(out, "classify-quic", rec, 1000)
    # Whole flows of the split-hello capture: several datagrams per input.
    flows = {}
    split = os.path.join(here, "..", "data", "pcap", "quic-split-clienthello.pcap")
    for _, key, _, pl in l4(split):
        flows[key] = flows.get(key, b"") + b"\x00" + struct.pack(">H", len(pl)) + pl
    for data in flows.values():
        save(out, "classify-quic", data, 1000)


if __name__ == "__main__":
    main()
