#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed the decode and flow-reasm fuzz corpora from captures (Debian's python3-scapy).

    /usr/bin/python3 tests/fuzz/make-corpus.py PCAP...

fuzz-decode input: one byte naming the link type (0 raw IP, 1 Ethernet,
2 Linux SLL, 3 SLL2), then the frame. fuzz-flow-reasm input: the flow's TCP
segments as (u8 flags, u16 seq offset from the client's ISN, u8 len, data).
"""
import hashlib
import os
import sys

from scapy.all import IP, TCP, CookedLinux, Ether, IPv6, PcapReader  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def save(kind, blob):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(blob).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def link_byte(p):
    if isinstance(p, Ether):
        return 1
    if isinstance(p, CookedLinux):
        return 2
    return 0


def main():
    for path in sys.argv[1:]:
        flows = {}
        with PcapReader(path) as r:
            for i, p in enumerate(r):
                if i < 6:
                    save("decode", bytes([link_byte(p)]) + bytes(p))
                ip = p.getlayer(IP) or p.getlayer(IPv6)
                if ip is None or TCP not in p:
                    continue
                t = p[TCP]
                key = tuple(sorted([(ip.src, t.sport), (ip.dst, t.dport)]))
                fl = flows.setdefault(key, {"client": (ip.src, t.sport), "isn": None, "recs": b""})
                to_client = (ip.src, t.sport) != fl["client"]
                if fl["isn"] is None and not to_client:
                    fl["isn"] = t.seq - (0 if "S" in str(t.flags) else 1)
                if fl["isn"] is None:
                    continue
                flags = (1 if to_client else 0) | (2 if "S" in str(t.flags) else 0) | \
                    (4 if "F" in str(t.flags) else 0) | (8 if "R" in str(t.flags) else 0)
                data = bytes(t.payload)
                off = (t.seq - fl["isn"]) & 0xffff
                while True:
                    chunk, data = data[:255], data[255:]
                    fl["recs"] += bytes([flags, off >> 8, off & 0xff, len(chunk)]) + chunk
                    off = (off + len(chunk)) & 0xffff
                    if not data:
                        break
        for fl in list(flows.values())[:4]:
            if fl["recs"]:
                save("flow-reasm", fl["recs"][:8192])


if __name__ == "__main__":
    main()
